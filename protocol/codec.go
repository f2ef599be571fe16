package protocol

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
	"github.com/ipfs/go-cid"
)

// The canonical encoding is DAG-CBOR: definite lengths, shortest
// integers, 64-bit floats, no NaN or infinity, map keys that are text
// and sorted length-first then bytewise, and CIDs as tag 42 over a
// byte string that starts with 0x00.
var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	var err error
	encMode, err = cbor.EncOptions{
		Sort:          cbor.SortLengthFirst,
		ShortestFloat: cbor.ShortestFloatNone,
		NaNConvert:    cbor.NaNConvertReject,
		InfConvert:    cbor.InfConvertReject,
		IndefLength:   cbor.IndefLengthForbidden,
		NilContainers: cbor.NilContainerAsEmpty,
		TagsMd:        cbor.TagsAllowed,
	}.EncMode()
	if err != nil {
		panic(err) // the options above are constants
	}
	decMode, err = cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		IntDec:           cbor.IntDecConvertSignedOrFail,
		DefaultMapType:   reflect.TypeOf(map[string]any(nil)),
		MaxNestedLevels:  MaxNesting + 8,
		MaxArrayElements: 1 << 16,
		MaxMapPairs:      1 << 16,
		UTF8:             cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// tagCID is the CBOR tag DAG-CBOR uses for links.
const tagCID = 42

// link is a CID as DAG-CBOR encodes it.
type link struct{ c cid.Cid }

func (l link) MarshalCBOR() ([]byte, error) {
	if !l.c.Defined() {
		return nil, Errorf(CodeMalformed, "cannot encode an undefined CID")
	}
	raw := l.c.Bytes()
	content := make([]byte, 0, len(raw)+1)
	content = append(content, 0)
	content = append(content, raw...)
	return encMode.Marshal(cbor.Tag{Number: tagCID, Content: content})
}

func (l *link) UnmarshalCBOR(data []byte) error {
	var t cbor.RawTag
	if err := decMode.Unmarshal(data, &t); err != nil {
		return fmt.Errorf("link: %w", err)
	}
	if t.Number != tagCID {
		return fmt.Errorf("link: tag %d, want %d", t.Number, tagCID)
	}
	var b []byte
	if err := decMode.Unmarshal(t.Content, &b); err != nil {
		return fmt.Errorf("link: %w", err)
	}
	if len(b) < 2 || b[0] != 0 {
		return fmt.Errorf("link: missing the 0x00 multibase prefix")
	}
	c, err := cid.Cast(b[1:])
	if err != nil {
		return fmt.Errorf("link: %w", err)
	}
	l.c = c
	return nil
}

func links(cs []cid.Cid) []link {
	out := make([]link, len(cs))
	for i, c := range cs {
		out[i] = link{c}
	}
	return out
}

func unlinks(ls []link) []cid.Cid {
	if len(ls) == 0 {
		return nil
	}
	out := make([]cid.Cid, len(ls))
	for i, l := range ls {
		out[i] = l.c
	}
	return out
}

// Marshal encodes v canonically. It is exported for other record types
// (sync messages, manifests) that must share the encoding.
func Marshal(v any) ([]byte, error) {
	b, err := encMode.Marshal(v)
	if err != nil {
		return nil, Errorf(CodeMalformed, "encode: %v", err)
	}
	return b, nil
}

// Unmarshal decodes canonical bytes into v and refuses bytes that are
// not in canonical form: re-encoding the decoded value must give back
// exactly the input.
func Unmarshal(data []byte, v any) error {
	if err := decMode.Unmarshal(data, v); err != nil {
		return Errorf(CodeMalformed, "decode: %v", err)
	}
	again, err := encMode.Marshal(v)
	if err != nil {
		return Errorf(CodeMalformed, "re-encode: %v", err)
	}
	if !bytes.Equal(again, data) {
		return Errorf(CodeMalformed, "not canonical DAG-CBOR, or unknown fields")
	}
	return nil
}

// UnmarshalLenient decodes data into v without requiring the canonical
// form and ignoring fields v does not have, within the same bounds on
// nesting and lengths as Unmarshal. It is for reading the version of a
// message before deciding how to read the rest: a message of a later
// version may carry fields this one does not know.
func UnmarshalLenient(data []byte, v any) error {
	if err := decMode.Unmarshal(data, v); err != nil {
		return Errorf(CodeMalformed, "decode: %v", err)
	}
	return nil
}

// CheckValue reports whether v belongs to the data model that front
// matter may hold once decoded: string, int64, float64 (finite), bool,
// nil, []any and map[string]any, nested at most MaxNesting deep.
// Strings must be valid UTF-8.
func CheckValue(v any) error { return checkValue(v, 0) }

func checkValue(v any, depth int) error {
	if depth > MaxNesting {
		return Errorf(CodeInvalid, "values nested more than %d deep", MaxNesting)
	}
	switch x := v.(type) {
	case nil, bool, int64:
		return nil
	case string:
		if !utf8.ValidString(x) {
			return Errorf(CodeInvalid, "text is not valid UTF-8")
		}
		return nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return Errorf(CodeInvalid, "NaN and infinite numbers are not allowed")
		}
		return nil
	case []any:
		for _, e := range x {
			if err := checkValue(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		for k, e := range x {
			if !utf8.ValidString(k) {
				return Errorf(CodeInvalid, "key is not valid UTF-8")
			}
			if err := checkValue(e, depth+1); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		return nil
	default:
		return Errorf(CodeInvalid, "value of type %T is not allowed", v)
	}
}
