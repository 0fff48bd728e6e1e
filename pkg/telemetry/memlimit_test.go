package telemetry

import "testing"

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		bad  bool
	}{
		{"800MiB", 800 << 20, false},
		{"2GiB", 2 << 30, false},
		{"512MB", 512e6, false},
		{"1048576", 1 << 20, false},
		{" 1 KiB ", 1024, false},
		{"0", 0, false},
		{"lots", 0, true},
		{"-1MiB", 0, true},
		{"1.5GiB", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseBytes(tt.in)
			if (err != nil) != tt.bad || got != tt.want {
				t.Errorf("ParseBytes(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.bad)
			}
		})
	}
}
