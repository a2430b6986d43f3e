package queue

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of q.
func (q Queue) Clone() Queue {
	q.Hours = q.Hours.Clone()
	q.Intake = slices.Clone(q.Intake)
	if q.Timeouts.RejoinGrace != nil {
		d := *q.Timeouts.RejoinGrace
		q.Timeouts.RejoinGrace = &d
	}
	q.Phone.Allow = slices.Clone(q.Phone.Allow)
	for i := range q.Intake {
		q.Intake[i].Options = slices.Clone(q.Intake[i].Options)
	}
	return q
}

// Clone returns a deep copy of h.
func (h Host) Clone() Host {
	h.Queues = slices.Clone(h.Queues)
	h.Serving = slices.Clone(h.Serving) // keeps nil and empty apart
	return h
}

// Clone returns a deep copy of e.
func (e Entry) Clone() Entry {
	e.Intake = maps.Clone(e.Intake)
	e.History = slices.Clone(e.History)
	if e.Callback != nil {
		cb := *e.Callback
		e.Callback = &cb
	}
	return e
}

// Clone returns a deep copy of c.
func (c Call) Clone() Call {
	c.Participants = slices.Clone(c.Participants)
	if c.Phone != nil {
		leg := *c.Phone
		c.Phone = &leg
	}
	return c
}
