package telemetry

import (
	"testing"
	"testing/fstest"
)

func TestCgroupMemoryLimit(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name string
		self string
		sys  fstest.MapFS
		want int64
		ok   bool
	}{
		{
			name: "v2 container with its own cgroup namespace",
			self: "0::/\n",
			sys:  fstest.MapFS{"memory.max": file("1073741824\n")},
			want: 1 << 30, ok: true,
		},
		{
			name: "v2 unlimited",
			self: "0::/user.slice/session-1.scope\n",
			sys:  fstest.MapFS{"user.slice/session-1.scope/memory.max": file("max\n"), "user.slice/memory.max": file("max\n")},
		},
		{
			name: "v2 limit on an ancestor (pod above container)",
			self: "0::/kubepods/pod1/ctr\n",
			sys: fstest.MapFS{
				"kubepods/pod1/ctr/memory.max": file("max\n"),
				"kubepods/pod1/memory.max":     file("536870912\n"),
				"kubepods/memory.max":          file("8589934592\n"),
			},
			want: 512 << 20, ok: true,
		},
		{
			name: "v1 docker: the container's cgroup mounted at the root",
			self: "12:pids:/docker/abc\n4:memory:/docker/abc\n1:name=systemd:/docker/abc\n",
			sys:  fstest.MapFS{"memory/memory.limit_in_bytes": file("805306368\n")},
			want: 768 << 20, ok: true,
		},
		{
			name: "v1 host view of a limited cgroup",
			self: "9:cpu,cpuacct:/\n4:memory:/docker/abc\n",
			sys: fstest.MapFS{
				"memory/docker/abc/memory.limit_in_bytes": file("1073741824\n"),
				"memory/memory.limit_in_bytes":            file("9223372036854771712\n"),
			},
			want: 1 << 30, ok: true,
		},
		{
			name: "v1 unlimited",
			self: "4:memory:/\n",
			sys:  fstest.MapFS{"memory/memory.limit_in_bytes": file("9223372036854771712\n")},
		},
		{name: "no cgroup files", self: "0::/\n", sys: fstest.MapFS{}},
		{name: "garbage", self: "nonsense\n", sys: fstest.MapFS{"memory.max": file("lots\n")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := cgroupMemoryLimit([]byte(tt.self), tt.sys)
			if got != tt.want || ok != tt.ok {
				t.Errorf("cgroupMemoryLimit = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
