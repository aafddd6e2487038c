package replay

import "fmt"

// RowError is a row that could not be turned into a record.
type RowError struct {
	// Line is the row's 1-based line number in the file.
	Line int
	// Reason says what is wrong with it.
	Reason string
}

func (e *RowError) Error() string {
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}
