package cost

import (
	"fmt"
	"strconv"
	"strings"
)

const minutesPerWeek = 7 * 24 * 60

// cronSpec is an Application Auto Scaling cron expression, cron(minutes hours
// day-of-month month day-of-week year), reduced to what repeats every week.
type cronSpec struct {
	minutes, hours [60]bool
	days           [7]bool // 0 = Sunday
}

var dayNames = map[string]int{"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}

// parseCron parses expr. Expressions that do not repeat weekly (a day of the month, a
// month or a year other than every, at() and rate()) are rejected so that the caller can
// report them as unpriced rather than guess.
func parseCron(expr string) (*cronSpec, error) {
	e := strings.TrimSpace(expr)
	if !strings.HasPrefix(e, "cron(") || !strings.HasSuffix(e, ")") {
		return nil, fmt.Errorf("schedule %q is not a cron() expression", expr)
	}
	f := strings.Fields(e[len("cron(") : len(e)-1])
	if len(f) != 6 {
		return nil, fmt.Errorf("schedule %q: want 6 fields, got %d", expr, len(f))
	}
	for i, name := range map[int]string{2: "day-of-month", 3: "month", 5: "year"} {
		if f[i] != "*" && f[i] != "?" {
			return nil, fmt.Errorf("schedule %q: %s %q does not repeat weekly", expr, name, f[i])
		}
	}
	c := &cronSpec{}
	if err := setField(c.minutes[:], f[0], 0, 59, nil); err != nil {
		return nil, fmt.Errorf("schedule %q minutes: %w", expr, err)
	}
	if err := setField(c.hours[:24], f[1], 0, 23, nil); err != nil {
		return nil, fmt.Errorf("schedule %q hours: %w", expr, err)
	}
	// AWS numbers days 1-7 from Sunday.
	var days [8]bool
	if err := setField(days[:], f[4], 1, 7, dayNames); err != nil {
		return nil, fmt.Errorf("schedule %q day-of-week: %w", expr, err)
	}
	for d := 1; d <= 7; d++ {
		c.days[d-1] = days[d]
	}
	return c, nil
}

// setField marks the values a cron field selects: *, ?, n, a-b, a-b/s, */s and lists.
func setField(set []bool, field string, lo, hi int, names map[string]int) error {
	value := func(s string) (int, error) {
		if n, ok := names[strings.ToUpper(s)]; ok {
			return n + lo, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("%q is not in %d-%d", s, lo, hi)
		}
		return n, nil
	}
	for _, part := range strings.Split(field, ",") {
		step := 1
		if i := strings.Index(part, "/"); i >= 0 {
			s, err := strconv.Atoi(part[i+1:])
			if err != nil || s < 1 {
				return fmt.Errorf("bad step in %q", part)
			}
			step, part = s, part[:i]
		}
		from, to := lo, hi
		switch {
		case part == "*" || part == "?":
		case strings.Contains(part, "-"):
			ab := strings.SplitN(part, "-", 2)
			a, err := value(ab[0])
			if err != nil {
				return err
			}
			b, err := value(ab[1])
			if err != nil {
				return err
			}
			if b < a {
				return fmt.Errorf("range %q runs backwards", part)
			}
			from, to = a, b
		default:
			a, err := value(part)
			if err != nil {
				return err
			}
			from, to = a, a
			if step > 1 {
				to = hi
			}
		}
		for v := from; v <= to; v += step {
			set[v] = true
		}
	}
	return nil
}

// fires reports whether the expression fires at minute m of the week (0 = Sunday 00:00).
func (c *cronSpec) fires(m int) bool {
	day, rest := m/(24*60), m%(24*60)
	return c.days[day] && c.hours[rest/60] && c.minutes[rest%60]
}

// capacityChange is one scheduled action: at the times its cron selects, the minimum
// and/or maximum capacity change.
type capacityChange struct {
	when     *cronSpec
	min, max *float64
}

// weeklyCapacity returns, for each minute of a week, the minimum and maximum capacity in
// effect, starting from the target's own bounds and applying scheduled changes. The week
// is simulated twice so that a change made late in the week carries over into its start.
// The actions of one service are read in one shared timezone (the program gives them all
// Asia/Tokyo): only the durations between them matter for the bill. Start and end times
// of actions are ignored.
func weeklyCapacity(min0, max0 float64, changes []capacityChange) (mins, maxs []float64) {
	mins, maxs = make([]float64, minutesPerWeek), make([]float64, minutesPerWeek)
	lo, hi := min0, max0
	for m := 0; m < 2*minutesPerWeek; m++ {
		w := m % minutesPerWeek
		for _, c := range changes {
			if c.when.fires(w) {
				if c.min != nil {
					lo = *c.min
				}
				if c.max != nil {
					hi = *c.max
				}
			}
		}
		if m >= minutesPerWeek {
			mins[w], maxs[w] = lo, hi
		}
	}
	return mins, maxs
}
