package api

import (
	"fmt"

	"github.com/mutu-network/mutu/catalogue"
)

// RetractedError is the error of reading an entry that its author
// retracted: it is gone for good (kind KindRetracted, 410, as its web
// page answers). Entry holds what remains to say of it: its metadata,
// the retraction named, its content withheld.
type RetractedError struct {
	Entry *Entry
}

func (e *RetractedError) Error() string {
	return fmt.Sprintf("entry %s was retracted by its author (revision %s)", e.Entry.ID, e.Entry.Retraction)
}

// retracted is the error of reading d, which is retracted.
func retracted(d *catalogue.Doc) *RetractedError {
	return &RetractedError{Entry: metadata(d)}
}

// Is makes errors.Is(err, catalogue.ErrRetracted) match.
func (e *RetractedError) Is(target error) bool { return target == catalogue.ErrRetracted }
