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

// The workers and commands take 3/4 of a container's limit, and nothing
// when GOMEMLIMIT is set or there is no limit.
func TestFitToContainer(t *testing.T) {
	for _, tc := range []struct {
		name        string
		gomemlimit  string
		limit       int64
		limited     bool
		wantSoft    int64
		wantSetCall bool
	}{
		{"1 GiB container", "", 1 << 30, true, 768 << 20, true},
		{"512 MiB container", "", 512 << 20, true, 384 << 20, true},
		{"GOMEMLIMIT wins", "900MiB", 1 << 30, true, 0, false},
		{"no container limit", "", 0, false, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var set int64 = -1
			soft, c := fitToContainer(tc.gomemlimit, func() (int64, bool) { return tc.limit, tc.limited },
				func(n int64) int64 { set = n; return 0 })
			if soft != tc.wantSoft || (set != -1) != tc.wantSetCall || (tc.wantSetCall && set != tc.wantSoft) {
				t.Fatalf("soft %d (set %d), want %d (set: %v)", soft, set, tc.wantSoft, tc.wantSetCall)
			}
			if tc.wantSetCall && c != tc.limit {
				t.Errorf("container limit %d, want %d", c, tc.limit)
			}
		})
	}
}
