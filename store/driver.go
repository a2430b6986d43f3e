package store

import "fmt"

// Driver names a storage backend.
type Driver int

const (
	// DriverEmbedded is a bbolt file used by one Frontdesk process (the
	// default).
	DriverEmbedded Driver = iota
	// DriverMongoDB is a MongoDB database shared by any number of replicas.
	DriverMongoDB
)

var driverNames = [...]string{"embedded", "mongodb"}

// String returns "embedded" or "mongodb" (the configuration spelling).
func (d Driver) String() string {
	if d < 0 || int(d) >= len(driverNames) {
		return fmt.Sprintf("Driver(%d)", int(d))
	}
	return driverNames[d]
}

// ParseDriver parses a configuration value: "embedded" (or "") or
// "mongodb". Other values give [ErrUnknownDriver].
func ParseDriver(s string) (Driver, error) {
	switch s {
	case "", "embedded":
		return DriverEmbedded, nil
	case "mongodb":
		return DriverMongoDB, nil
	}
	return 0, fmt.Errorf("%w: %q (want embedded or mongodb)", ErrUnknownDriver, s)
}

// MarshalText renders the String form.
func (d Driver) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses with [ParseDriver], so YAML and env values decode.
func (d *Driver) UnmarshalText(b []byte) error {
	v, err := ParseDriver(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
