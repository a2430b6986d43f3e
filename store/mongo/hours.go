package mongo

import (
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
)

// queueDoc is a queue as stored. hours.Schedule's Weekly is an array of
// arrays, which FerretDB cannot store ("nested arrays are not supported"),
// so the schedule is stored with one sub-document per weekday instead. The
// outer Hours field takes the "hours" key over the inlined Queue.Hours, on
// encode and on decode.
type queueDoc struct {
	queue.Queue `bson:",inline"`
	Hours       scheduleDoc `bson:"hours"`
}

type scheduleDoc struct {
	Zone      string               `bson:"zone"`
	Weekly    []dayDoc             `bson:"weekly"`
	Overrides []hours.DateOverride `bson:"overrides,omitempty"`
	Manual    hours.Manual         `bson:"manual"`
}

// dayDoc holds the ranges of one weekday (index = time.Weekday).
type dayDoc struct {
	Ranges []hours.Range `bson:"ranges"`
}

func toQueueDoc(q queue.Queue) queueDoc {
	s := q.Hours
	d := queueDoc{Queue: q, Hours: scheduleDoc{Zone: s.Zone, Overrides: s.Overrides, Manual: s.Manual, Weekly: make([]dayDoc, len(s.Weekly))}}
	for i, r := range s.Weekly {
		d.Hours.Weekly[i] = dayDoc{Ranges: r}
	}
	return d
}

func (d queueDoc) queue() queue.Queue {
	q := d.Queue
	q.Hours = hours.Schedule{Zone: d.Hours.Zone, Overrides: d.Hours.Overrides, Manual: d.Hours.Manual}
	for i := range min(len(d.Hours.Weekly), len(q.Hours.Weekly)) {
		q.Hours.Weekly[i] = d.Hours.Weekly[i].Ranges
	}
	return q
}
