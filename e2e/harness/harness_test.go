package harness

import (
	"strings"
	"testing"
)

func TestFindAlarm(t *testing.T) {
	for _, tc := range []struct {
		name, log, want string
	}{
		{"clean", "time=… level=INFO msg=\"node running\"\ntime=… level=INFO msg=stopping\n", ""},
		{"race", "level=INFO msg=x\n==================\nWARNING: DATA RACE\nWrite at 0x00c000123 by goroutine 7:\n", "WARNING: DATA RACE\nWrite at 0x00c000123 by goroutine 7:"},
		{"panic", "level=INFO msg=x\npanic: runtime error: index out of range\n\ngoroutine 1 [running]:\n", "panic: runtime error: index out of range\n\ngoroutine 1 [running]:"},
		{"fatal", "fatal error: concurrent map writes\n", "fatal error: concurrent map writes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := findAlarm(strings.NewReader(tc.log)); got != tc.want {
				t.Errorf("findAlarm = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFindAlarmQuotesAtMostThirtyLines(t *testing.T) {
	log := "panic: boom\n" + strings.Repeat("frame\n", 100)
	if got := strings.Count(findAlarm(strings.NewReader(log)), "\n"); got != 30 {
		t.Errorf("quoted %d lines after the alarm, want 30", got)
	}
}

func TestTail(t *testing.T) {
	if got := tail([]byte("a\nb\nc\nd\n"), 2); got != "c\nd" {
		t.Errorf("tail = %q, want %q", got, "c\nd")
	}
	if got := tail([]byte("a\nb"), 5); got != "a\nb" {
		t.Errorf("tail = %q, want %q", got, "a\nb")
	}
}
