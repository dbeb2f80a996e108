// fakecri serves the CRI fake from k8s.io/cri-client (the runtime kubemark's hollow nodes use) on a unix
// socket, so a real kubelet runs pods without running anything. With -record it appends the requests that
// carry what the kubelet decided for a pod (sandbox config; container envs, mounts, devices, annotations, CDI
// devices, cpuset) to a file as JSON lines, so tests can see what reached the runtime.
//
// scripts/k8s-binaries copies this file into its wrapper module as ./cmd/fakecri and builds it there.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	kubeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-client/pkg/fake"
	"k8s.io/cri-client/pkg/util"
)

// recorded lists the CRI methods whose requests go to the record, by their short name.
var recorded = map[string]bool{
	"RunPodSandbox":            true,
	"StopPodSandbox":           true,
	"RemovePodSandbox":         true,
	"CreateContainer":          true,
	"StartContainer":           true,
	"StopContainer":            true,
	"RemoveContainer":          true,
	"UpdateContainerResources": true,
}

type recorder struct {
	mu   sync.Mutex
	file *os.File
}

// line is one record entry; the request is protojson (bytes fields such as KeyValue.value are base64).
type line struct {
	Time    string          `json:"time"`
	Method  string          `json:"method"`
	Request json.RawMessage `json:"request"`
	Error   string          `json:"error,omitempty"`
}

func (r *recorder) write(method string, req proto.Message, callErr error) {
	body, err := protojson.Marshal(req)
	if err != nil {
		body = []byte(fmt.Sprintf("%q", "unmarshalable request: "+err.Error()))
	}
	entry := line{Time: time.Now().UTC().Format(time.RFC3339Nano), Method: method, Request: body}
	if callErr != nil {
		entry.Error = callErr.Error()
	}
	out, err := json.Marshal(entry)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// One write per line on an O_APPEND file: a reader never sees half a line.
	_, _ = r.file.Write(append(out, '\n'))
}

func (r *recorder) interceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	method := info.FullMethod[strings.LastIndex(info.FullMethod, "/")+1:]
	if msg, ok := req.(proto.Message); ok && recorded[method] {
		r.write(method, msg, err)
	}
	return resp, err
}

func main() {
	listen := flag.String("listen", "", "unix socket to serve the CRI on, as unix:///path or /path (required)")
	record := flag.String("record", "", "file to append the recorded CRI requests to, as JSON lines")
	fsDir := flag.String("fs-dir", "", "directory reported as the image and container filesystem (default: the socket's directory)")
	flag.Parse()
	if *listen == "" {
		fmt.Fprintln(os.Stderr, "fakecri: -listen is required, e.g. -listen unix:///tmp/node/cri.sock")
		os.Exit(2)
	}
	endpoint := *listen
	if !strings.HasPrefix(endpoint, "unix://") {
		endpoint = "unix://" + endpoint
	}
	if *fsDir == "" {
		*fsDir = filepath.Dir(strings.TrimPrefix(endpoint, "unix://"))
	}

	f := fake.NewFakeRemoteRuntime()
	configure(f, *fsDir)

	var opts []grpc.ServerOption
	if *record != "" {
		file, err := os.OpenFile(*record, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(os.Stderr, "fakecri: cannot open the record file %s: %v\n", *record, err)
			os.Exit(1)
		}
		rec := &recorder{file: file}
		opts = append(opts, grpc.UnaryInterceptor(rec.interceptor))
	}
	// Our own server, because the fake's is unexported and has no interceptor.
	server := grpc.NewServer(opts...)
	kubeapi.RegisterRuntimeServiceServer(server, f)
	kubeapi.RegisterImageServiceServer(server, f)

	listener, err := util.CreateListener(endpoint)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fakecri: cannot listen on %s: %v\n", endpoint, err)
		os.Exit(1)
	}
	go trimCallLogs(f)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		server.Stop()
	}()
	fmt.Fprintf(os.Stderr, "fakecri: serving the CRI on %s\n", endpoint)
	if err := server.Serve(listener); err != nil {
		fmt.Fprintf(os.Stderr, "fakecri: %v\n", err)
		os.Exit(1)
	}
	_ = os.Remove(strings.TrimPrefix(endpoint, "unix://"))
}

// configure sets what the kubelet needs before a container reaches Running (see docs/real-nodes.md).
func configure(f *fake.RemoteRuntime, fsDir string) {
	// The kubelet's CRI client rejects an image of size 0, which the fake reports for pulled images.
	f.ImageService.SetFakeImageSize(1 << 20)
	usage := []*kubeapi.FilesystemUsage{{
		Timestamp:  time.Now().UnixNano(),
		FsId:       &kubeapi.FilesystemIdentifier{Mountpoint: fsDir},
		UsedBytes:  &kubeapi.UInt64Value{Value: 1 << 20},
		InodesUsed: &kubeapi.UInt64Value{Value: 16},
	}}
	f.ImageService.SetFakeFilesystemUsage(usage)
	f.ImageService.SetFakeContainerFilesystemUsage(usage)
	f.RuntimeService.Lock()
	defer f.RuntimeService.Unlock()
	// The kubelet takes its cgroup driver from the runtime; the fake answers nil otherwise.
	f.RuntimeService.FakeLinuxConfiguration = &kubeapi.LinuxRuntimeConfiguration{CgroupDriver: kubeapi.CgroupDriver_CGROUPFS}
	f.RuntimeService.FakeStatus = &kubeapi.RuntimeStatus{Conditions: []*kubeapi.RuntimeCondition{
		{Type: kubeapi.RuntimeReady, Status: true},
		{Type: kubeapi.NetworkReady, Status: true},
	}}
}

// trimCallLogs keeps the fakes' call logs, which nothing reads here, from growing without bound.
func trimCallLogs(f *fake.RemoteRuntime) {
	for range time.Tick(10 * time.Second) {
		f.RuntimeService.Lock()
		f.RuntimeService.Called = f.RuntimeService.Called[:0]
		f.RuntimeService.Unlock()
		f.ImageService.Lock()
		f.ImageService.Called = f.ImageService.Called[:0]
		f.ImageService.Unlock()
	}
}
