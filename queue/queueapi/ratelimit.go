package queueapi

// Default per-address join limits (see WithJoinRate): ten joins a minute
// on average, in bursts of up to five.
const (
	DefaultJoinsPerMinute = 10
	DefaultJoinBurst      = 5
)
