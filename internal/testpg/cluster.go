package testpg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// cluster is a private PostgreSQL server in a temporary directory.
type cluster struct {
	dir    string
	bin    string
	cred   *syscall.Credential
	server *exec.Cmd
	exited chan error
	log    *os.File
	url    string
}

// startCluster initialises a cluster and runs its postmaster as a child process. The
// kernel sends the postmaster SIGINT (a fast shutdown) if the test binary dies first, so
// no server outlives the tests.
func startCluster(ctx context.Context) (_ *cluster, err error) {
	bin, err := findBinaries(installedBinaries)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "outpost-testpg-")
	if err != nil {
		return nil, fmt.Errorf("create cluster directory: %w", err)
	}
	c := &cluster{dir: dir, bin: bin, exited: make(chan error, 1)}
	defer func() {
		if err != nil {
			_ = c.stop()
		}
	}()
	// PostgreSQL refuses to run as root: run it as the postgres system user.
	if os.Geteuid() == 0 {
		if c.cred, err = postgresUser(); err != nil {
			return nil, err
		}
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return nil, fmt.Errorf("hand the cluster directory to the postgres user: %w", err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := c.command(ctx, "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if c.log, err = os.Create(filepath.Join(dir, "server.log")); err != nil {
		return nil, fmt.Errorf("create server log: %w", err)
	}
	c.server = c.command(context.Background(), "postgres", "-D", data, "-F", "-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-k", dir, "-c", "max_connections=300", "-c", "full_page_writes=off", "-c", "synchronous_commit=off")
	c.server.Stdout, c.server.Stderr = c.log, c.log
	c.server.SysProcAttr.Pdeathsig = syscall.SIGINT
	if err := c.server.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	go func() { c.exited <- c.server.Wait() }()
	c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	if err := c.waitReady(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// command runs a PostgreSQL binary in the cluster directory, as the postgres user when
// the tests run as root.
func (c *cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	return cmd
}

// waitReady polls until the server accepts connections, it exits, or ctx ends.
func (c *cluster) waitReady(ctx context.Context) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := pgx.Connect(ctx, c.url)
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case werr := <-c.exited:
			c.exited <- werr
			return fmt.Errorf("postgres exited before accepting connections (%v):\n%s", werr, c.logTail())
		case <-ctx.Done():
			return fmt.Errorf("postgres did not accept connections: %w (last error: %v)\n%s", ctx.Err(), err, c.logTail())
		case <-tick.C:
		}
	}
}

// stop shuts the server down as pg_ctl stop -m fast does, waits for it, and removes the
// cluster directory.
func (c *cluster) stop() error {
	var errs []error
	if c.server != nil && c.server.Process != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := c.command(ctx, "pg_ctl", "stop", "-D", filepath.Join(c.dir, "data"), "-m", "fast", "-w").CombinedOutput()
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("pg_ctl stop: %w: %s", err, bytes.TrimSpace(out)))
			_ = c.server.Process.Kill()
		}
		<-c.exited
	}
	if c.log != nil {
		_ = c.log.Close()
	}
	if err := os.RemoveAll(c.dir); err != nil {
		errs = append(errs, fmt.Errorf("remove cluster directory: %w", err))
	}
	return errors.Join(errs...)
}

func (c *cluster) logTail() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// installedBinaries is where Debian and Ubuntu install each PostgreSQL major version.
const installedBinaries = "/usr/lib/postgresql/*/bin"

// findBinaries returns the directory holding initdb, pg_ctl and postgres: the one on
// PATH, else the newest version matching pattern.
func findBinaries(pattern string) (string, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	found, _ := filepath.Glob(pattern)
	sort.Slice(found, func(i, j int) bool { return majorVersion(found[i]) > majorVersion(found[j]) })
	for _, d := range append(dirs, found...) {
		if hasAll(d, "initdb", "pg_ctl", "postgres") {
			return d, nil
		}
	}
	return "", fmt.Errorf("PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or under %s: "+
		"install them with `apt-get install postgresql`, or set %s to the URL of a PostgreSQL server", pattern, EnvServer)
}

func majorVersion(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func hasAll(dir string, names ...string) bool {
	for _, n := range names {
		if fi, err := os.Stat(filepath.Join(dir, n)); err != nil || fi.IsDir() {
			return false
		}
	}
	return true
}

func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL needs the postgres system user: %w (install the postgresql package, or run the tests as another user)", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("postgres user has a non-numeric uid %q or gid %q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
