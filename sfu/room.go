package sfu

import (
	"context"
	"crypto/subtle"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/frontdesk/frontdesk/idgen"
)

// RoomConfig is a VideoRoom room, with the fields of the VideoRoom
// "create" request (janus_videoroom.c, "create").
type RoomConfig struct {
	// ID is the room id; 0 picks a random one.
	ID uint64
	// Description is shown to participants in "joined".
	Description string
	// Secret, when set, is needed to destroy or edit the room.
	Secret string
	// PIN, when set, is needed to join the room.
	PIN string
	// IsPrivate hides the room from "list".
	IsPrivate bool
	// Allowed, when non-nil, lists the tokens allowed to join (checked
	// against "token" in the join body). Non-nil and empty allows nobody.
	Allowed []string
	// Publishers is the maximum number of concurrent publishers; 0 means 3
	// (the VideoRoom default).
	Publishers int
	// Bitrate caps publishers' video via REMB, in bits per second; 0: no cap.
	Bitrate uint32
	// AudioCodec and VideoCodec are comma-separated allowed codecs in order
	// of preference ("opus", "vp8,h264", ...); empty means "opus" and "vp8".
	AudioCodec, VideoCodec string
	// NotifyJoining sends "joined" events for participants that do not
	// publish, and lists them as "attendees".
	NotifyJoining bool
}

// Participant is one publisher-side participant of a room, as reported by
// "listparticipants".
type Participant struct {
	ID        uint64 `json:"id"`
	Display   string `json:"display,omitempty"`
	Publisher bool   `json:"publisher"`
}

type room struct {
	srv *Server
	cfg RoomConfig

	mu           sync.Mutex
	participants map[uint64]*participant
	subscribers  map[*subscriber]struct{}
	destroyed    bool
}

// participant is a publisher-side handle joined to a room.
type participant struct {
	id        uint64
	privateID uint32
	display   string
	room      *room
	vr        *vrHandle

	// guarded by room.mu
	feed   *feed
	active bool // the feed reached webrtcup and was announced
}

func (c RoomConfig) codecs(kind string) []string {
	v := c.AudioCodec
	def := "opus"
	if kind == "video" {
		v, def = c.VideoCodec, "vp8"
	}
	if strings.TrimSpace(v) == "" {
		v = def
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// CreateRoom creates a room from Go (no admin key needed) and returns its
// id. It fails with ErrRoomExists (wrapped) when the id is taken and
// ErrClosed after Close.
func (s *Server) CreateRoom(_ context.Context, cfg RoomConfig) (uint64, error) {
	r, err := s.createRoom(cfg)
	if err != nil {
		return 0, fmt.Errorf("sfu: create room: %w", err)
	}
	return r.cfg.ID, nil
}

func (s *Server) createRoom(cfg RoomConfig) (*room, error) {
	if cfg.Publishers <= 0 {
		cfg.Publishers = 3
	}
	for _, kind := range []string{"audio", "video"} {
		for _, c := range cfg.codecs(kind) {
			if mimeFor(kind, c) == "" {
				return nil, roomCodeErr(RoomCodeInvalidElement, "Invalid element (%scodec: unsupported %q)", kind, c)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if cfg.ID == 0 {
		for cfg.ID == 0 || s.rooms[cfg.ID] != nil {
			cfg.ID = idgen.Uint53()
		}
	} else if s.rooms[cfg.ID] != nil {
		return nil, roomErr(ErrRoomExists, "Room %d already exists", cfg.ID)
	}
	if cfg.Allowed != nil {
		cfg.Allowed = slices.Clone(cfg.Allowed)
	}
	r := &room{srv: s, cfg: cfg, participants: map[uint64]*participant{}, subscribers: map[*subscriber]struct{}{}}
	s.rooms[cfg.ID] = r
	s.emitEvent(step{Type: stepRoomCreated, Room: cfg.ID})
	return r, nil
}

// DestroyRoom destroys a room from Go (no secret needed): participants get
// the VideoRoom "destroyed" event and their media is torn down. It fails
// with ErrNoSuchRoom (wrapped) for an unknown id.
func (s *Server) DestroyRoom(_ context.Context, id uint64) error {
	s.mu.Lock()
	r := s.rooms[id]
	delete(s.rooms, id)
	s.forgetRoomTokensLocked(id)
	s.mu.Unlock()
	if r == nil {
		return fmt.Errorf("sfu: destroy room %d: %w", id, roomErr(ErrNoSuchRoom, "No such room (%d)", id))
	}
	r.destroy()
	return nil
}

// RoomExists reports whether a room with that id exists.
func (s *Server) RoomExists(id uint64) bool { return s.room(id) != nil }

// Participants lists a room's publisher-side participants, sorted by id.
// It fails with ErrNoSuchRoom (wrapped) for an unknown id.
func (s *Server) Participants(_ context.Context, id uint64) ([]Participant, error) {
	r := s.room(id)
	if r == nil {
		return nil, fmt.Errorf("sfu: participants of %d: %w", id, roomErr(ErrNoSuchRoom, "No such room (%d)", id))
	}
	return r.list(), nil
}

func (s *Server) room(id uint64) *room {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rooms[id]
}

func (r *room) list() []Participant {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Participant, 0, len(r.participants))
	for _, p := range r.participants {
		out = append(out, Participant{ID: p.id, Display: p.display, Publisher: p.active})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// destroy tells everyone and tears down all media of the room.
func (r *room) destroy() {
	r.mu.Lock()
	if r.destroyed {
		r.mu.Unlock()
		return
	}
	r.destroyed = true
	parts := make([]*participant, 0, len(r.participants))
	for _, p := range r.participants {
		parts = append(parts, p)
	}
	subs := make([]*subscriber, 0, len(r.subscribers))
	for sub := range r.subscribers {
		subs = append(subs, sub)
	}
	r.participants = map[uint64]*participant{}
	r.subscribers = map[*subscriber]struct{}{}
	r.mu.Unlock()
	ev := map[string]any{"videoroom": "destroyed", "room": r.cfg.ID}
	for _, sub := range subs {
		sub.vr.h.pushEvent("", ev, nil)
		sub.vr.dropSubscriber(sub)
	}
	for _, p := range parts {
		p.vr.h.pushEvent("", ev, nil)
		p.vr.dropParticipant(p)
	}
	r.srv.emitEvent(step{Type: stepRoomDestroyed, Room: r.cfg.ID})
}

// secretOK compares secrets in constant time.
func secretOK(want, got string) bool {
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// tokenAllowed checks the room's allowed list (nil allows all).
func (r *room) tokenAllowed(token string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cfg.Allowed == nil {
		return true
	}
	return token != "" && slices.Contains(r.cfg.Allowed, token)
}

// publisherList is the "publishers" array of joined/publishers events:
// active feeds except skip.
func (r *room) publisherList(skip uint64) []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []map[string]any{}
	ids := make([]uint64, 0, len(r.participants))
	for id := range r.participants {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		p := r.participants[id]
		if id == skip || !p.active || p.feed == nil {
			continue
		}
		out = append(out, p.describe())
	}
	return out
}

// describe is one entry of a "publishers" array (caller holds room.mu).
func (p *participant) describe() map[string]any {
	m := map[string]any{"id": p.id, "streams": p.feed.describeStreams()}
	if p.display != "" {
		m["display"] = p.display
	}
	return m
}

// broadcast sends a VideoRoom event to every participant but skip.
func (r *room) broadcast(skip uint64, data map[string]any) {
	r.mu.Lock()
	targets := make([]*participant, 0, len(r.participants))
	for id, p := range r.participants {
		if id != skip {
			targets = append(targets, p)
		}
	}
	r.mu.Unlock()
	for _, p := range targets {
		p.vr.h.pushEvent("", data, nil)
	}
}

// SetAllowed replaces a room's allowed-token list (the VideoRoom "allowed"
// ACL checked against "token" in join requests). nil turns the check off;
// an empty slice allows nobody. It fails with ErrNoSuchRoom (wrapped).
func (s *Server) SetAllowed(_ context.Context, id uint64, tokens []string) error {
	r := s.room(id)
	if r == nil {
		return fmt.Errorf("sfu: set allowed of %d: %w", id, roomErr(ErrNoSuchRoom, "No such room (%d)", id))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if tokens == nil {
		r.cfg.Allowed = nil
	} else {
		r.cfg.Allowed = slices.Clone(tokens)
	}
	return nil
}

// Kick removes a participant from a room as the VideoRoom "kick" request
// does: the participant gets "leaving" with reason "kicked", the others
// "kicked", and its media is torn down. It fails with ErrNoSuchRoom or
// ErrNoSuchFeed (wrapped).
func (s *Server) Kick(_ context.Context, id, participantID uint64) error {
	r := s.room(id)
	if r == nil {
		return fmt.Errorf("sfu: kick in %d: %w", id, roomErr(ErrNoSuchRoom, "No such room (%d)", id))
	}
	r.mu.Lock()
	p := r.participants[participantID]
	r.mu.Unlock()
	if p == nil {
		return fmt.Errorf("sfu: kick %d: %w", participantID, roomErr(ErrNoSuchFeed, "No such user %d in room %d", participantID, id))
	}
	p.vr.h.pushEvent("", map[string]any{"videoroom": "event", "room": id, "leaving": "ok", "reason": "kicked"}, nil)
	p.vr.leave(p, "kicked")
	return nil
}
