/**
 * Fixture text shared by the parser and reader tests, shaped like the real
 * files on a Raspberry Pi 4 running 64-bit Raspberry Pi OS.
 */

export const PI_STAT_A = `cpu  220000 1200 60000 9100000 5000 0 3000 0 0 0
cpu0 60000 300 16000 2270000 1200 0 900 0 0 0
cpu1 55000 300 15000 2276000 1300 0 700 0 0 0
cpu2 52000 300 14000 2278000 1250 0 700 0 0 0
cpu3 53000 300 15000 2276000 1250 0 700 0 0 0
intr 51234567 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 12345 0 0 0
ctxt 98765432
btime 1717000000
processes 45678
procs_running 2
procs_blocked 0
softirq 8765432 12 2345678 34 567890 0 0 456 3456789 0 2345678
`

/**
 * Deltas from A: cpu0 user+50 system+25 idle+25 (75% busy), cpu1 idle+100
 * (0%), cpu2 user+100 (100%), cpu3 user+10 idle+50 iowait+40 (10%).
 * Total: 400 jiffies, idle+iowait 215, busy 185 -> 46.25%.
 */
export const PI_STAT_B = `cpu  220160 1200 60025 9100175 5040 0 3000 0 0 0
cpu0 60050 300 16025 2270025 1200 0 900 0 0 0
cpu1 55000 300 15000 2276100 1300 0 700 0 0 0
cpu2 52100 300 14000 2278000 1250 0 700 0 0 0
cpu3 53010 300 15000 2276050 1290 0 700 0 0 0
intr 51234999 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 12345 0 0 0
ctxt 98766000
btime 1717000000
processes 45680
procs_running 1
procs_blocked 0
softirq 8765999 12 2345700 34 567900 0 0 456 3456800 0 2345700
`

export const PI_LOADAVG = '0.52 0.38 0.31 2/213 4567\n'

export const PI_MEMINFO = `MemTotal:        3885396 kB
MemFree:          912340 kB
MemAvailable:    2912340 kB
Buffers:           81234 kB
Cached:          1823456 kB
SwapCached:            0 kB
Active:          1234567 kB
Inactive:        1345678 kB
SwapTotal:        102396 kB
SwapFree:         102396 kB
Dirty:                44 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
CmaTotal:         524288 kB
CmaFree:          498760 kB
`

export const PI_NET_DEV_A = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  987654    1234    0    0    0     0          0         0   987654    1234    0    0    0     0       0          0
  eth0: 1000000    5000    0    0    0     0          0        12   200000    2500    0    0    0     0       0          0
 wlan0:  500000    3000    0    3    0     0          0         0   100000    1500    0    0    0     0       0          0
`

/** 2 s after A: eth0 rx+4000 tx+1000, wlan0 rx+2000 tx+3000, lo busy (ignored). */
export const PI_NET_DEV_B = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 9987654    9234    0    0    0     0          0         0  9987654    9234    0    0    0     0       0          0
  eth0: 1004000    5010    0    0    0     0          0        12   201000    2505    0    0    0     0       0          0
 wlan0:  502000    3010    0    3    0     0          0         0   103000    1510    0    0    0     0       0          0
`

export const PI_UPTIME = '12345.67 45678.90\n'

export const PI_THERMAL_MILLIDEG = '48686\n'

export const PI_THROTTLED = 'throttled=0x50005\n'
