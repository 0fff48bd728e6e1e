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

func TestFitMemoryLimit(t *testing.T) {
	tests := []struct {
		name    string
		n, c    int64
		limited bool
		want    int64
	}{
		{"no container limit", 800 << 20, 0, false, 800 << 20},
		{"large container", 800 << 20, 4 << 30, true, 800 << 20},
		{"1 GiB container", 800 << 20, 1 << 30, true, 768 << 20},
		{"512 MiB container", 800 << 20, 512 << 20, true, 384 << 20},
		{"no soft limit stays none", 0, 1 << 30, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fitMemoryLimit(tt.n, tt.c, tt.limited); got != tt.want {
				t.Errorf("fitMemoryLimit(%d, %d, %v) = %d, want %d", tt.n, tt.c, tt.limited, got, tt.want)
			}
		})
	}
}
