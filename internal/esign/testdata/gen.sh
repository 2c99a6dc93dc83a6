#!/bin/sh
# Regenerates the OpenSSL-made fixtures of package esign (run from this
# directory; needs openssl with the gost engine). The tests check against
# these files even where openssl is absent, and against live openssl where
# it is present.
set -eu
E="-engine gost"
openssl genpkey $E -algorithm gost2012_256 -pkeyopt paramset:A -out ca.key
openssl req $E -x509 -new -key ca.key -subj "/CN=OpenSSL Test CA/O=Okno fixtures/C=RU" -days 36500 \
	-addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
openssl genpkey $E -algorithm gost2012_512 -pkeyopt paramset:A -out user.key
openssl req $E -new -key user.key -utf8 \
	-subj "/SN=Сидоров/GN=Сидор Сидорович/CN=Сидоров Сидор Сидорович/title=Начальник управления/O=Министерство/SNILS=11223344595/INN=500100732259/OGRN=1027700132195" \
	-out user.csr
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > user.ext
openssl x509 $E -req -in user.csr -CA ca.pem -CAkey ca.key -set_serial 0x0A1B2C -days 36000 -extfile user.ext -out user.pem
printf 'Заявление о предоставлении государственной услуги\n' > document.txt
openssl cms -sign $E -binary -outform DER -in document.txt -signer user.pem -inkey user.key -out document.txt.sig
openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -subj "/CN=RSA signer" -days 36500 -out rsa.pem
openssl cms -sign -binary -outform DER -in document.txt -signer rsa.pem -inkey rsa.key -out document.txt.rsa.sig
rm -f user.csr user.ext rsa.key ca.srl
