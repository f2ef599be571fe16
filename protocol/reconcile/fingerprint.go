package reconcile

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"

	"github.com/ipfs/go-cid"
)

// sum256 is a 256-bit unsigned integer, least significant word first.
type sum256 [4]uint64

func (a sum256) add(b sum256) sum256 {
	var c uint64
	a[0], c = bits.Add64(a[0], b[0], 0)
	a[1], c = bits.Add64(a[1], b[1], c)
	a[2], c = bits.Add64(a[2], b[2], c)
	a[3], _ = bits.Add64(a[3], b[3], c)
	return a
}

func (a sum256) sub(b sum256) sum256 {
	var c uint64
	a[0], c = bits.Sub64(a[0], b[0], 0)
	a[1], c = bits.Sub64(a[1], b[1], c)
	a[2], c = bits.Sub64(a[2], b[2], c)
	a[3], _ = bits.Sub64(a[3], b[3], c)
	return a
}

// digestSum reads a checked ID's digest as a little-endian integer.
func digestSum(id cid.Cid) sum256 {
	d := digest(id)
	var s sum256
	for w := range s {
		for k := 7; k >= 0; k-- {
			s[w] = s[w]<<8 | uint64(d[8*w+k])
		}
	}
	return s
}

// fillSums sets the running sums of es[from:], given those before it.
func fillSums(es []entry, from int) {
	var acc sum256
	if from > 0 {
		acc = es[from-1].cum
	}
	for k := from; k < len(es); k++ {
		acc = acc.add(digestSum(es[k].id))
		es[k].cum = acc
	}
}

// fingerprint summarises the items of a range. See docs/protocol.md (Part 3),
// "Fingerprint".
type fingerprint [FingerprintSize]byte

// rangeFingerprint returns the fingerprint of es[i:j].
func rangeFingerprint(es []entry, i, j int) fingerprint {
	var s sum256
	if i < j {
		s = es[j-1].cum
		if i > 0 {
			s = s.sub(es[i-1].cum)
		}
	}
	return makeFingerprint(s, j-i)
}

// makeFingerprint hashes a sum of digests and an item count:
// the first 16 bytes of SHA-256(sum as 32 bytes little-endian || uvarint(count)).
func makeFingerprint(s sum256, count int) fingerprint {
	var buf [32 + binary.MaxVarintLen64]byte
	for w, v := range s {
		binary.LittleEndian.PutUint64(buf[8*w:], v)
	}
	n := binary.PutUvarint(buf[32:], uint64(count))
	h := sha256.Sum256(buf[:32+n])
	var fp fingerprint
	copy(fp[:], h[:])
	return fp
}
