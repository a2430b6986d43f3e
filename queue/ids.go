package queue

// QueueID identifies a queue: 32 hex digits, or the ID an admin chose.
// It is the "id" of the REST API's queue and "queue_id" elsewhere.
type QueueID string

// EntryID identifies an entry (one caller's turn in one queue): 32 hex
// digits that sort by creation time (see newEntryID).
type EntryID string

// HostID identifies a host: the account subject of the person who serves.
type HostID string

// CallID identifies a call: 32 hex digits.
type CallID string
