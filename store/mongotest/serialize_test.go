package mongotest

import (
	"encoding/binary"
	"testing"
)

func TestCommandName(t *testing.T) {
	msg := func(kind byte, body []byte) []byte {
		b := make([]byte, 20)
		binary.LittleEndian.PutUint32(b[12:], opMsg)
		b = append(b, kind)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(body)+4))
		b = append(b, body...)
		binary.LittleEndian.PutUint32(b, uint32(len(b)))
		return b
	}
	tests := []struct {
		name string
		msg  []byte
		want string
	}{
		{"find", msg(0, append([]byte{0x02}, "find\x00"...)), "find"},
		{"findAndModify", msg(0, append([]byte{0x02}, "findAndModify\x00"...)), "findAndModify"},
		{"sequence section first", msg(1, append([]byte{0x02}, "find\x00"...)), ""},
		{"no terminator", msg(0, append([]byte{0x02}, "find"...)), ""},
		{"short", []byte{1, 2, 3}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := commandName(tc.msg); got != tc.want {
				t.Fatalf("commandName = %q, want %q", got, tc.want)
			}
		})
	}
}
