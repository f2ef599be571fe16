package entry

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/mutu-network/mutu/protocol"
)

// TestPlainNumbers checks the rule for plain values that YAML reads as
// numbers: a number written the way Marshal writes that number is a
// number; any other spelling (leading zeros, 0x, 0o or 0b prefixes,
// trailing zeros, exponents, a number out of range) keeps its text, so
// that a postal code such as 07100 is neither read in octal nor
// stripped of its zero. Each value is then written back: shown is how
// Marshal writes it, and Parse must read the same value again.
func TestPlainNumbers(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string // the value of key v
		want  any
		shown string // the value as Marshal writes it; "" when not one line
	}{
		// Written canonically: numbers.
		{"int", "42", int64(42), "42"},
		{"negative int", "-3", int64(-3), "-3"},
		{"zero", "0", int64(0), "0"},
		{"int64 max", "9223372036854775807", int64(9223372036854775807), "9223372036854775807"},
		{"int64 min", "-9223372036854775808", int64(-9223372036854775808), "-9223372036854775808"},
		{"decimal", "2.5", 2.5, "2.5"},
		{"negative decimal", "-0.75", -0.75, "-0.75"},
		{"decimal one", "1.0", float64(1), "1.0"},
		{"amount", "1234567.89", 1234567.89, "1234567.89"},
		{"round amount", "1500000.0", 1500000.0, "1500000.0"},
		{"small decimal", "0.000001", 0.000001, "0.000001"},
		{"huge float", "1e+21", 1e21, "1e+21"},
		{"tiny float", "1e-07", 1e-7, "1e-07"},

		// Leading zeros: postal codes, départements, days, months.
		{"postal code", "07100", "07100", `"07100"`},
		{"postal code not octal", "08000", "08000", `"08000"`},
		{"postal code of Ain", "01000", "01000", `"01000"`},
		{"day", "01", "01", `"01"`},
		{"zero zero", "00", "00", `"00"`},
		{"negative with leading zero", "-07", "-07", `"-07"`},
		{"decimal with leading zero", "007.5", "007.5", `"007.5"`},

		// Other spellings of integers.
		{"hex", "0x1F", "0x1F", `"0x1F"`},
		{"octal", "0o17", "0o17", `"0o17"`},
		{"binary", "0b101", "0b101", `"0b101"`},
		{"plus sign", "+42", "+42", `"+42"`},
		{"negative zero", "-0", "-0", `"-0"`},
		{"underscores", "1_000", "1_000", `"1_000"`},

		// Decimals spelt otherwise than Marshal writes them.
		{"version", "1.10", "1.10", `"1.10"`},
		{"trailing zero", "2.50", "2.50", `"2.50"`},
		{"leading dot", ".5", ".5", `".5"`},
		{"trailing dot", "1.", "1.", `"1."`},
		{"exponent", "1e3", "1e3", `"1e3"`},
		{"capital exponent", "2.5E-3", "2.5E-3", `"2.5E-3"`},
		{"exponent of a large number", "1e21", "1e21", `"1e21"`},
		{"too many digits for a float64", "0.10000000000000000001", "0.10000000000000000001", `"0.10000000000000000001"`},

		// Out of range: kept, never rounded nor refused.
		{"beyond int64, within uint64", "12345678901234567890", "12345678901234567890", `"12345678901234567890"`},
		{"uint64 max", "18446744073709551615", "18446744073709551615", `"18446744073709551615"`},
		{"beyond uint64", "99999999999999999999999", "99999999999999999999999", `"99999999999999999999999"`},
		{"below int64", "-9223372036854775809", "-9223372036854775809", `"-9223372036854775809"`},
		{"infinity", ".inf", ".inf", `".inf"`},
		{"minus infinity", "-.Inf", "-.Inf", `"-.Inf"`},
		{"not a number", ".NaN", ".NaN", `".NaN"`},

		// Inside lists and mappings, the same rule.
		{"list", "[07100, 42, 1.10, 2.5]", []any{"07100", int64(42), "1.10", 2.5}, ""},
		{"mapping", "{cp: 01000, n: 3}", map[string]any{"cp": "01000", "n": int64(3)}, ""},

		// Quoted, or with an explicit tag, as before.
		{"quoted", `"07100"`, "07100", `"07100"`},
		{"explicit int tag", "!!int 0x1F", int64(31), "31"},
		{"explicit str tag", "!!str 42", "42", `"42"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "---\ntitle: T\nv: " + tt.yaml + "\n---\n"
			f, _, err := Parse("t.md", []byte(src), KindNote)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := f.Meta["v"]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("v = %#v (%T), want %#v (%T)", got, got, tt.want, tt.want)
			}
			out := roundTrip(t, f, KindNote)
			if line := "\nv: " + tt.shown + "\n"; tt.shown != "" && !bytes.Contains(out, []byte(line)) {
				t.Errorf("Marshal wrote\n%s\nwant the line %q", out, line[1:])
			}
		})
	}
}

// TestNumbersSurviveTheRecord follows a front matter from the file to
// the signed revision and back to the Markdown that mutu show and
// export print: every value reads as it was written, and that Markdown
// parses to the same front matter.
func TestNumbersSurviveTheRecord(t *testing.T) {
	const published = `---
title: t
cp: 07100
cp2: 08000
d: 01
version: 1.10
hex: 0x1F
n: 99999999999999999999999
big: 12345678901234567890
code: 42
solde: -3
taux: 2.5
---
b
`
	// The key n is quoted because YAML 1.1 readers take n for false.
	const shown = `---
kind: note
title: t
big: "12345678901234567890"
code: 42
cp: "07100"
cp2: "08000"
d: "01"
hex: "0x1F"
'n': "99999999999999999999999"
solde: -3
taux: 2.5
version: "1.10"
---
b
`
	f, _, err := Parse("t.md", []byte(published), KindNote)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	key, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	pe := protocol.Entry(f.Entry)
	rev := &protocol.Revision{Op: protocol.OpPut, Seq: 1, Clock: protocol.MakeClock(time.Unix(1767225600, 0)), Entry: &pe}
	block, err := rev.Sign(key)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	got, err := protocol.DecodeRevision(block.Data)
	if err != nil {
		t.Fatalf("DecodeRevision: %v", err)
	}
	g := &File{Entry: Entry(*got.Entry)}
	out, err := g.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	if string(out) != shown {
		t.Errorf("shown as\n%s\nwant\n%s", out, shown)
	}
	again, _, err := Parse("shown.md", out, KindNote)
	if err != nil {
		t.Fatalf("Parse of the shown file: %v", err)
	}
	if !reflect.DeepEqual(again.Meta, f.Meta) {
		t.Errorf("front matter after the round trip:\n%#v\nwant\n%#v", again.Meta, f.Meta)
	}
}
