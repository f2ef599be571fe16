// Package e2e holds the tests that build the mutu binary and run it as
// several processes, each with its own home, on 127.0.0.1; and the test
// that enforces the project's dependency rule.
package e2e
