package cost

// Usage holds the assumptions about a month that the registered resources cannot tell.
// Everything else (counts, sizes, capacities, schedules, retention) comes from the
// resources themselves.
type Usage struct {
	// Name labels the month in reports ("idle", "busy").
	Name string
	// Requests is how many requests CloudFront, its web ACL and the load balancer see in
	// the month (cached asset requests never reach the load balancer, which the LCU
	// figure absorbs).
	Requests float64
	// CdnGB is the data CloudFront sends to viewers in the month.
	CdnGB float64
	// LCU is the average number of load balancer capacity units each ALB consumes.
	LCU float64
	// NATGB is the data processed by all NAT gateways together in the month.
	NATGB float64
	// EndpointGB is the data processed by each interface endpoint in the month.
	EndpointGB float64
	// LogGB is the log data ingested by all log groups together in the month.
	LogGB float64
	// NeverExpireLogDays is the retention assumed for a log group that never expires.
	NeverExpireLogDays float64
	// AuroraStorageGB is each cluster's stored data.
	AuroraStorageGB float64
	// AuroraIOMillions is each cluster's I/O requests in the month, in millions.
	AuroraIOMillions float64
	// BackupDailyChange is the share of the stored data that changes each day; backup
	// storage beyond the free amount is storage × change × retention days.
	BackupDailyChange float64
	// AuroraACU is the average capacity of each instance while it runs, clamped to the
	// configured minimum and maximum (and at least 0.5 when the minimum is 0).
	AuroraACU float64
	// PausedShare is the share of the month an auto-pausing cluster (minimum 0 ACU with
	// auto-pause) spends paused.
	PausedShare float64
	// AwakeWhileTasksRun keeps an auto-pausing cluster running whenever any ECS task of
	// the stack runs, as it does when the apps hold pooled connections open or query the
	// database from a health check: it is then paused at most for the share of the month
	// without a task, and never more than PausedShare. The pause delay after the last
	// task stops (minutes a day) is not added.
	AwakeWhileTasksRun bool
	// TaskScale places each service's task count between the minimum and maximum in
	// effect at that hour (0 = at the minimum, 1 = at the maximum).
	TaskScale float64
	// ECRGBPerRepository is the image storage of each ECR repository.
	ECRGBPerRepository float64
	// S3GBPerBucket is the data stored in each S3 bucket.
	S3GBPerBucket float64
	// InsightsMetricsPerCluster and InsightsMetricsPerService are the custom metrics
	// Container Insights publishes per ECS cluster and per service.
	InsightsMetricsPerCluster, InsightsMetricsPerService float64
}

// Idle is a month with the site up and almost no traffic: services at their minimum
// task count, databases at their minimum capacity and a dev database mostly paused.
func Idle() Usage {
	return Usage{
		Name:                      "idle",
		Requests:                  100_000,
		CdnGB:                     2,
		LCU:                       0.05,
		NATGB:                     5,
		EndpointGB:                1,
		LogGB:                     2,
		NeverExpireLogDays:        365,
		AuroraStorageGB:           1,
		AuroraIOMillions:          1,
		BackupDailyChange:         0,
		AuroraACU:                 0,
		PausedShare:               0.95,
		TaskScale:                 0,
		ECRGBPerRepository:        1,
		S3GBPerBucket:             1,
		InsightsMetricsPerCluster: 8,
		InsightsMetricsPerService: 11,
	}
}

// IdleAwake is the idle month with an auto-pausing database that never pauses while a
// task runs: what an app that keeps its connections open, or whose health check queries
// the database, costs in dev.
func IdleAwake() Usage {
	u := Idle()
	u.Name = "idle, database awake while tasks run"
	u.AwakeWhileTasksRun = true
	return u
}

// Busy is a month of steady shop traffic: 30 million requests, services a quarter of
// the way from their minimum to their maximum, database instances averaging 1 ACU.
func Busy() Usage {
	return Usage{
		Name:                      "busy",
		Requests:                  30_000_000,
		CdnGB:                     1_500,
		LCU:                       2,
		NATGB:                     100,
		EndpointGB:                20,
		LogGB:                     30,
		NeverExpireLogDays:        365,
		AuroraStorageGB:           20,
		AuroraIOMillions:          50,
		BackupDailyChange:         0.05,
		AuroraACU:                 1,
		PausedShare:               0.5,
		TaskScale:                 0.25,
		ECRGBPerRepository:        5,
		S3GBPerBucket:             20,
		InsightsMetricsPerCluster: 8,
		InsightsMetricsPerService: 11,
	}
}

// Worst is the month a budget must survive: busy traffic with every service at the
// maximum task count in effect at each hour, every database instance at its maximum
// capacity and never paused. It is the upper bound of what the configured ranges allow,
// so raising a service's maxCount or database.maxCapacity moves it.
func Worst() Usage {
	u := Busy()
	u.Name = "worst case"
	u.TaskScale = 1
	u.AuroraACU = 1e9 // clamped to each instance's configured maximum
	u.PausedShare = 0
	return u
}
