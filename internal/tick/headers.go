package tick

// Record headers every ticklake producer sets, besides HeaderProducedAt.
const (
	// HeaderSchemaVersion holds the wire schema version of the value
	// (SchemaVersion), so consumers can tell formats apart.
	HeaderSchemaVersion = "ticklake-schema-version"
	// HeaderEventType names the record's kind: EventTrade, EventQuote, or
	// EventReplay for rows replayed from a CSV file.
	HeaderEventType = "ticklake-event-type"
)

// SchemaVersion is the version of the JSON values in docs/schema.md.
const SchemaVersion = "1"

// Event type header values.
const (
	EventTrade  = "trade"
	EventQuote  = "quote"
	EventReplay = "replay"
)

// Type returns the event's HeaderEventType value.
func (e Event) Type() string {
	if e.Trade != nil {
		return EventTrade
	}
	return EventQuote
}
