package api

import (
	"testing"
	"time"
)

// Each account makes at most ReportsPerHour reports in any hour; others
// are not held back by it, and an hour later it may report again.
func TestReportLimiterAllowsTenAnHourPerAccount(t *testing.T) {
	l := NewReportLimiter(0)
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	for i := range ReportsPerHour {
		if !l.Allow("marie", now.Add(time.Duration(i)*time.Minute)) {
			t.Fatalf("report %d refused", i+1)
		}
	}
	if l.Allow("marie", now.Add(30*time.Minute)) {
		t.Fatal("an 11th report in the hour was allowed")
	}
	if !l.Allow("paul", now.Add(30*time.Minute)) {
		t.Fatal("another account was held back")
	}
	if !l.Allow("marie", now.Add(time.Hour)) {
		t.Fatal("the first report's hour is over, yet a new one is refused")
	}
	if l.Allow("marie", now.Add(time.Hour+time.Second)) {
		t.Fatal("the window let two more through")
	}
}
