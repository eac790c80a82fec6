package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/outposthq/outpost/internal/testpg"
)

var benchEngines = []struct {
	name string
	dsn  newDSN
}{{"sqlite", sqliteDSN}, {"postgres", testpg.Start}}

// fixtureRun is one run for loadRuns; a nil start means no state start time.
type fixtureRun struct {
	state  string
	start  *time.Time
	labels []string
}

// loadRuns inserts n runs straight into the tables in one transaction, with multi-row
// inserts: going through CreateFlowRun would make 100,000-run fixtures take minutes.
func loadRuns(tb testing.TB, st Store, tenantID, flowID string, n int, spec func(i int) fixtureRun) []string {
	tb.Helper()
	s := st.(*sqlStore)
	const batch = 500
	ids := make([]string, n)
	now := ts(time.Now())
	err := s.inTx(context.Background(), func(tx *sql.Tx) error {
		for lo := 0; lo < n; lo += batch {
			hi := min(lo+batch, n)
			var runArgs, labelArgs []any
			for i := lo; i < hi; i++ {
				f := spec(i)
				ids[i] = uuid.NewString()
				ser := string(serializeState(f.state, "", f.start))
				runArgs = append(runArgs, ids[i], tenantID, flowID, fmt.Sprint("run-", i), f.state, ser, nullTS(f.start),
					now, labelsArg(f.labels), now, now, now)
				for _, l := range normLabels(f.labels) {
					labelArgs = append(labelArgs, ids[i], l)
				}
			}
			rows := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?), ", hi-lo), ", ")
			if _, err := s.exec(context.Background(), tx, `INSERT INTO flow_run (id, tenant_id, flow_id, name, version, state,
				serialized_state, state_start_time, state_timestamp, labels, scheduled_start_time, created, updated) VALUES `+rows, runArgs...); err != nil {
				return err
			}
			if len(labelArgs) > 0 {
				pairs := strings.TrimSuffix(strings.Repeat("(?, ?), ", len(labelArgs)/2), ", ")
				if _, err := s.exec(context.Background(), tx, `INSERT INTO flow_run_label (flow_run_id, label) VALUES `+pairs, labelArgs...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("load %d runs: %v", n, err)
	}
	if _, err := s.db.Exec(`ANALYZE`); err != nil {
		tb.Fatalf("analyze: %v", err)
	}
	return ids
}

// BenchmarkReadyRuns polls as an agent does (limit 25, two labels) a store holding
// 100,000 runs: 10,000 due, 30,000 scheduled later and 60,000 finished.
func BenchmarkReadyRuns(b *testing.B) {
	const total, agentLimit = 100_000, 25
	now := time.Now().UTC()
	for _, eng := range benchEngines {
		s := openStore(b, eng.dsn(b))
		tenant := must(s.DefaultTenant(context.Background()))(b)
		flow := must(s.CreateFlow(context.Background(), Flow{TenantID: tenant.ID, Name: "bench"}))(b)
		loadRuns(b, s, tenant.ID, flow.ID, total, func(i int) fixtureRun {
			switch i % 10 {
			case 0:
				return fixtureRun{"Scheduled", ptr(now.Add(-time.Duration(i) * time.Second)), []string{"bench"}}
			case 1, 2, 3:
				return fixtureRun{"Scheduled", ptr(now.Add(time.Hour + time.Duration(i)*time.Second)), []string{"bench"}}
			default:
				return fixtureRun{"Success", nil, []string{"bench", fmt.Sprint("l", i%7)}}
			}
		})
		b.Run(eng.name, func(b *testing.B) {
			for b.Loop() {
				runs, err := s.ReadyRuns(context.Background(), tenant.ID, now, []string{"bench", "host"}, agentLimit)
				if err != nil || len(runs) != agentLimit {
					b.Fatalf("ReadyRuns: %d runs, %v", len(runs), err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "polls/s")
		})
	}
}

// BenchmarkClaim measures claims (Submitted with the version read) per second, one run
// per iteration.
func BenchmarkClaim(b *testing.B) {
	now := time.Now().UTC()
	for _, eng := range benchEngines {
		s := openStore(b, eng.dsn(b))
		tenant := must(s.DefaultTenant(context.Background()))(b)
		flow := must(s.CreateFlow(context.Background(), Flow{TenantID: tenant.ID, Name: "bench"}))(b)
		b.Run(eng.name, func(b *testing.B) {
			ids := loadRuns(b, s, tenant.ID, flow.ID, b.N, func(int) fixtureRun {
				return fixtureRun{"Scheduled", &now, []string{"bench"}}
			})
			b.ResetTimer()
			for _, id := range ids {
				if _, err := s.SetFlowRunState(context.Background(), StateUpdate{RunID: id, ExpectedVersion: ptr(1),
					State: State{Type: "Submitted", Message: "Submitted for execution"}}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "claims/s")
		})
	}
}
