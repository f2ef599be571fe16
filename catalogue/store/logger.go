package store

import (
	"fmt"
	"log/slog"
	"strings"
)

// badgerLogger routes badger's warnings and errors to slog and drops
// its informational and debug messages, which report routine work
// (compactions, replays) in a level of detail no operator needs.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(format string, args ...any) {
	b.l.Error(message(format, args))
}

func (b badgerLogger) Warningf(format string, args ...any) {
	b.l.Warn(message(format, args))
}

func (badgerLogger) Infof(string, ...any)  {}
func (badgerLogger) Debugf(string, ...any) {}

func message(format string, args []any) string {
	return strings.TrimSpace(fmt.Sprintf(format, args...))
}
