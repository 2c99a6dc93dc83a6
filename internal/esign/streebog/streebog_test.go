package streebog

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"github.com/okno-oiv/okno/internal/esign/opensslref"
)

// Examples M1 and M2 of GOST R 34.11-2012 (RFC 6986, section 10). The
// standard prints messages and digests as numbers, most significant byte
// first; here both are in memory order, which is how OpenSSL prints them.
var standardExamples = []struct {
	name             string
	msg              []byte
	want512, want256 string
}{
	{
		name:    "M1",
		msg:     []byte("012345678901234567890123456789012345678901234567890123456789012"),
		want512: "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48",
		want256: "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500",
	},
	{
		// "Се ветри, Стрибожи внуци, веютъ с моря стрелами на храбрыя плъкы Игоревы" in CP1251.
		name:    "M2",
		msg:     mustHex("d1e520e2e5f2f0e82c20d1f2f0e8e1eee6e820e2edf3f6e82c20e2e5fef2fa20f120eceef0ff20f1f2f0e5ebe0ece820ede020f5f0e0e1f0fbff20efebfaeafb20c8e3eef0e5e2fb"),
		want512: "1e88e62226bfca6f9994f1f2d51569e0daf8475a3b0fe61a5300eee46d961376035fe83549ada2b8620fcd7c496ce5b33f0cb9dddc2b6460143b03dabac9fb28",
		want256: "9dd2fe4e90409e5da87f53976d7405b0c0cac628fc669a741d50063c557e8f50",
	},
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestStandardExamples(t *testing.T) {
	for _, ex := range standardExamples {
		t.Run(ex.name, func(t *testing.T) {
			if got := Sum512(ex.msg); hex.EncodeToString(got[:]) != ex.want512 {
				t.Errorf("Sum512 = %x, want %s", got, ex.want512)
			}
			if got := Sum256(ex.msg); hex.EncodeToString(got[:]) != ex.want256 {
				t.Errorf("Sum256 = %x, want %s", got, ex.want256)
			}
			if got := refHash(Size512, ex.msg); hex.EncodeToString(got) != ex.want512 {
				t.Errorf("reference 512 = %x, want %s", got, ex.want512)
			}
		})
	}
}

// TestMatchesReference compares the table-driven code with the
// byte-oriented reference on lengths around the block boundaries.
func TestMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 55, 63, 64, 65, 127, 128, 129, 1000} {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(rng.Uint32())
		}
		s512, s256 := Sum512(msg), Sum256(msg)
		if want := refHash(Size512, msg); !bytes.Equal(s512[:], want) {
			t.Errorf("len %d: Sum512 = %x, reference %x", n, s512, want)
		}
		if want := refHash(Size256, msg); !bytes.Equal(s256[:], want) {
			t.Errorf("len %d: Sum256 = %x, reference %x", n, s256, want)
		}
	}
}

// TestStreaming writes the same message in chunks of odd sizes and checks
// that Sum neither depends on the chunking nor disturbs the running state.
func TestStreaming(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	msg := make([]byte, 5000)
	for i := range msg {
		msg[i] = byte(rng.Uint32())
	}
	want256, want512 := Sum256(msg), Sum512(msg)
	for _, chunk := range []int{1, 3, 7, 63, 64, 65, 127, 1001} {
		h256, h512 := New256(), New512()
		for off := 0; off < len(msg); off += chunk {
			end := min(off+chunk, len(msg))
			h256.Write(msg[off:end])
			h512.Write(msg[off:end])
			if off == 2*chunk {
				h256.Sum(nil) // must not change the state
			}
		}
		if got := h256.Sum(nil); !bytes.Equal(got, want256[:]) {
			t.Errorf("chunk %d: 256 = %x, want %x", chunk, got, want256)
		}
		if got := h512.Sum([]byte("prefix")); !bytes.Equal(got, append([]byte("prefix"), want512[:]...)) {
			t.Errorf("chunk %d: 512 with prefix = %x", chunk, got)
		}
		h256.Reset()
		h256.Write(msg)
		if got := h256.Sum(nil); !bytes.Equal(got, want256[:]) {
			t.Errorf("chunk %d: after Reset = %x, want %x", chunk, got, want256)
		}
	}
	if New256().Size() != 32 || New512().Size() != 64 || New256().BlockSize() != 64 {
		t.Error("Size or BlockSize is wrong")
	}
}

func BenchmarkSum256(b *testing.B) { benchmarkHash(b, New256()) }
func BenchmarkSum512(b *testing.B) { benchmarkHash(b, New512()) }

func benchmarkHash(b *testing.B, h interface {
	Write([]byte) (int, error)
	Sum([]byte) []byte
	Reset()
}) {
	buf := make([]byte, 8192)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	var sum [64]byte
	for b.Loop() {
		h.Reset()
		h.Write(buf)
		h.Sum(sum[:0])
	}
}

// TestAgainstOpenSSL hashes random messages of random lengths, written in
// odd chunks, and compares with OpenSSL's gost engine.
func TestAgainstOpenSSL(t *testing.T) {
	tool := opensslref.Require(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 12 {
		msg := make([]byte, rng.IntN(3000))
		for j := range msg {
			msg[j] = byte(rng.Uint32())
		}
		chunk := 1 + 2*rng.IntN(50)
		for _, bits := range []int{256, 512} {
			want, err := tool.Digest(bits, msg)
			if err != nil {
				t.Fatal(err)
			}
			h := New256()
			if bits == 512 {
				h = New512()
			}
			for off := 0; off < len(msg); off += chunk {
				h.Write(msg[off:min(off+chunk, len(msg))])
			}
			if got := h.Sum(nil); !bytes.Equal(got, want) {
				t.Errorf("message %d (%d bytes, chunks of %d), %d bits:\n ours    %x\n OpenSSL %x", i, len(msg), chunk, bits, got, want)
			}
		}
	}
}
