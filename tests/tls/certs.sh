#!/bin/sh
# SPDX-License-Identifier: MIT
# The certificates of the TLS tests and examples, made at run time with the
# openssl command (no key is kept in the repository):
#
#   sh tests/tls/certs.sh DIR
#
# In DIR: a CA (ca.pem, ca.key) and another (other-ca.pem), a server's
# certificate for localhost and 127.0.0.1 signed by the first (server.pem,
# server.key), one for another name (wrong.pem, wrong.key) and one that
# expired in 2020 (expired.pem, expired.key), and one with an RSA key for the
# name "server" (sim.pem, sim.key: TLS in a simulation, where records must
# keep their sizes from run to run, which ECDSA's signatures do not). Exits 0
# if all were made.
# tests/checks/tls.sh and tests/coverage/run.sh use it.
set -u
mkdir -p "$1" && cd "$1" || exit 1
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
for ca in ca other-ca; do
    openssl req -x509 $ec -keyout $ca.key -out $ca.pem -days 2 -subj "/CN=aio_timeout test $ca" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" || exit 1
done
for name in server wrong expired; do
    openssl req -new $ec -keyout $name.key -out $name.csr -subj "/CN=$name" || exit 1
done
openssl req -new -newkey rsa:2048 -nodes -keyout sim.key -out sim.csr -subj "/CN=server" || exit 1
: >index.txt
echo 01 >serial
cat >ca.cnf <<'EOF'
[ ca ]
default_ca = test_ca
[ test_ca ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
unique_subject = no
[ any ]
commonName = supplied
[ server ]
basicConstraints = CA:FALSE
subjectAltName = DNS:localhost,IP:127.0.0.1
[ wrong ]
basicConstraints = CA:FALSE
subjectAltName = DNS:wrong.example
[ sim ]
basicConstraints = CA:FALSE
subjectAltName = DNS:server
EOF
sign="openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -notext"
$sign -in server.csr -out server.pem -extensions server -days 2 &&
    $sign -in wrong.csr -out wrong.pem -extensions wrong -days 2 &&
    $sign -in expired.csr -out expired.pem -extensions server -startdate 20200101000000Z \
        -enddate 20200102000000Z &&
    $sign -in sim.csr -out sim.pem -extensions sim -days 2
