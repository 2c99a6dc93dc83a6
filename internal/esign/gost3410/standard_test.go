package gost3410

import (
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"testing"
)

// Test parameter sets and examples of GOST R 34.10-2012, Appendix A
// (also in RFC 7091, section 7). The examples give e as a number; the
// digest passed to the code is e written little-endian, since e < q.
var standardExamples = []struct {
	name   string
	spec   curveSpec
	d, e   string
	k      string
	qx, qy string
	r, s   string
}{
	{
		name: "A.1 256-bit",
		spec: curveSpec{name: "test-256", oid: asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 0}, cofactor: 1,
			p:  "8000000000000000000000000000000000000000000000000000000000000431",
			q:  "8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3",
			a:  "7",
			b:  "5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E",
			gx: "2",
			gy: "08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8"},
		d:  "7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28",
		e:  "2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5",
		k:  "77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3",
		qx: "7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B",
		qy: "26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA",
		r:  "41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493",
		s:  "01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40",
	},
	{
		name: "A.2 512-bit",
		spec: curveSpec{name: "test-512", oid: asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 0}, cofactor: 1,
			p:  "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DF1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373",
			q:  "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DA82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF",
			a:  "7",
			b:  "1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC4361834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC",
			gx: "24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A",
			gy: "2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E"},
		d:  "0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B102072E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4",
		e:  "3754F3CFACC9E0615C4F4A7C4D8DAB531B09B6F9C170C533A71D147035B0C5917184EE536593F4414339976C647C5D5A407ADEDB1D560C4FC6777D2972075B8C",
		k:  "0359E7F4B1410FEACC570456C6801496946312120B39D019D455986E364F365886748ED7A44B3E794434006011842286212273A6D14CF70EA3AF71BB1AE679F1",
		qx: "115DC5BC96760C7B48598D8AB9E740D4C4A85A65BE33C1815B5C320C854621DD5A515856D13314AF69BC5B924C8B4DDFF75C45415C1D9DD9DD33612CD530EFE1",
		qy: "37C7C90CD40B0F5621DC3AC1B751CFA0E2634FA0503B3D52639F5D7FB72AFD61EA199441D943FFE7F0C70A2759A3CDB84C114E1F9339FDF27F35ECA93677BEEC",
		r:  "2F86FA60A081091A23DD795E1E3C689EE512A3C82EE0DCC2643C78EEA8FCACD35492558486B20F1C9EC197C90699850260C93BCBCD9C5C3317E19344E173AE36",
		s:  "1081B394696FFE8E6585E7A9362D26B6325F56778AADBC081C0BFBE933D52FF5823CE288E8C4F362526080DF7F70CE406A6EEB1F56919CB92A9853BDE73E5B4A",
	},
}

// fixedLE returns the hex number h as size little-endian bytes.
func fixedLE(t testing.TB, h string, size int) []byte {
	t.Helper()
	v, ok := new(big.Int).SetString(h, 16)
	if !ok {
		t.Fatalf("bad hex %q", h)
	}
	b := make([]byte, size)
	v.FillBytes(b)
	reverse(b)
	return b
}

func TestStandardExamples(t *testing.T) {
	for _, ex := range standardExamples {
		t.Run(ex.name, func(t *testing.T) {
			c, err := newCurve(ex.spec)
			if err != nil {
				t.Fatal(err)
			}
			key, err := NewPrivateKey(c, fixedLE(t, ex.d, c.size))
			if err != nil {
				t.Fatal(err)
			}
			wantPub := append(fixedLE(t, ex.qx, c.size), fixedLE(t, ex.qy, c.size)...)
			if got := key.Public().Raw(); hex.EncodeToString(got) != hex.EncodeToString(wantPub) {
				t.Fatalf("public key\n got %x\nwant %x", got, wantPub)
			}
			digest := fixedLE(t, ex.e, c.size)
			e, err := c.digestToE(digest)
			if err != nil {
				t.Fatal(err)
			}
			k := c.scalarFromLE(fixedLE(t, ex.k, c.size))
			sig, ok := c.signWithNonce(key.d, e, k)
			if !ok {
				t.Fatal("signWithNonce asked for another nonce")
			}
			want := append(fixedLE(t, ex.s, c.size), fixedLE(t, ex.r, c.size)...)
			reverse(want[:c.size]) // s and r are big-endian in the signature
			reverse(want[c.size:])
			if hex.EncodeToString(sig) != hex.EncodeToString(want) {
				t.Fatalf("signature\n got %x\nwant %x", sig, want)
			}
			valid, err := key.Public().Verify(digest, sig)
			if err != nil || !valid {
				t.Fatalf("Verify of the standard's signature = %v, %v", valid, err)
			}
			digest[0] ^= 1
			if valid, err := key.Public().Verify(digest, sig); err != nil || valid {
				t.Fatalf("Verify of a changed digest = %v, %v; want false, nil", valid, err)
			}
		})
	}
}
