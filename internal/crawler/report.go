package crawler

import (
	"fmt"
	"time"
)

// Report says what one crawl found and did.
type Report struct {
	Tables       int           // tables holding data files
	FilesSeen    int           // data objects listed (markers, temporary and dead-letter objects excluded)
	FilesNew     int           // files newly registered in the catalog
	FilesSkipped int           // data objects in a format the crawler does not read yet
	Errors       []ObjectError // objects that could not be registered
	Duration     time.Duration
}

// ObjectError names an object the crawler could not register, and why.
type ObjectError struct {
	Key string `json:"key"`
	Err string `json:"error"`
}

// Error implements error.
func (e ObjectError) Error() string { return fmt.Sprintf("%s: %s", e.Key, e.Err) }
