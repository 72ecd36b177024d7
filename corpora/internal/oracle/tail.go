package oracle

// The allocation-free tail of the oracle.  Everything here works on
// preallocated package-level storage (in .bss, not the heap) and raw system
// calls, so the heap a core shows is the heap this tail describes; the
// "alloc_check" fields prove it by comparing MemStats.Mallocs before the
// tail was formatted and after it was written.

import (
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"unsafe"
)

var (
	tailFD    = -1
	tailBuf   [32 << 10]byte
	msFinal   runtime.MemStats
	msAfter   runtime.MemStats
	direntBuf [16 << 10]byte
	taskPath  = [...]byte{'/', 'p', 'r', 'o', 'c', '/', 's', 'e', 'l', 'f', '/', 't', 'a', 's', 'k', 0}
)

// atFDCWD is AT_FDCWD (-100) as a system call argument.
const atFDCWD = ^uintptr(99)

// countThreads counts the entries of /proc/self/task without allocating.
// It returns -1 if the directory cannot be read.
func countThreads() int64 {
	fd, _, e := syscall.Syscall6(syscall.SYS_OPENAT, atFDCWD, uintptr(unsafe.Pointer(&taskPath[0])),
		uintptr(syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC), 0, 0, 0)
	if e != 0 {
		return -1
	}
	var n int64
	for {
		got, _, e := syscall.Syscall(syscall.SYS_GETDENTS64, fd, uintptr(unsafe.Pointer(&direntBuf[0])), uintptr(len(direntBuf)))
		if e != 0 {
			n = -1
			break
		}
		if got == 0 {
			break
		}
		// struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name.
		for off := uintptr(0); off+19 < got; {
			reclen := uintptr(direntBuf[off+16]) | uintptr(direntBuf[off+17])<<8
			if reclen == 0 {
				break
			}
			name := direntBuf[off+19:]
			dot := name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))
			if !dot {
				n++
			}
			off += reclen
		}
	}
	syscall.Syscall(syscall.SYS_CLOSE, fd, 0, 0)
	return n
}

func appendKey(b []byte, key string) []byte {
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

func appendU(b []byte, key string, v uint64) []byte {
	b = appendKey(b, key)
	return strconv.AppendUint(b, v, 10)
}

func appendI(b []byte, key string, v int64) []byte {
	b = appendKey(b, key)
	return strconv.AppendInt(b, v, 10)
}

func appendMemStats(b []byte, ms *runtime.MemStats) []byte {
	b = append(b, '{')
	b = appendU(b, "heap_alloc", ms.HeapAlloc)
	b = appendU(append(b, ','), "heap_objects", ms.HeapObjects)
	b = appendU(append(b, ','), "heap_inuse", ms.HeapInuse)
	b = appendU(append(b, ','), "heap_idle", ms.HeapIdle)
	b = appendU(append(b, ','), "heap_released", ms.HeapReleased)
	b = appendU(append(b, ','), "heap_sys", ms.HeapSys)
	b = appendU(append(b, ','), "stack_inuse", ms.StackInuse)
	b = appendU(append(b, ','), "stack_sys", ms.StackSys)
	b = appendU(append(b, ','), "sys", ms.Sys)
	b = appendU(append(b, ','), "num_gc", uint64(ms.NumGC))
	b = appendU(append(b, ','), "num_forced_gc", uint64(ms.NumForcedGC))
	b = appendU(append(b, ','), "mallocs", ms.Mallocs)
	b = appendU(append(b, ','), "frees", ms.Frees)
	b = appendU(append(b, ','), "total_alloc", ms.TotalAlloc)
	b = appendU(append(b, ','), "gc_sys", ms.GCSys)
	b = appendU(append(b, ','), "other_sys", ms.OtherSys)
	b = appendU(append(b, ','), "mspan_inuse", ms.MSpanInuse)
	b = appendU(append(b, ','), "mspan_sys", ms.MSpanSys)
	b = appendU(append(b, ','), "mcache_inuse", ms.MCacheInuse)
	b = appendU(append(b, ','), "mcache_sys", ms.MCacheSys)
	b = appendU(append(b, ','), "buck_hash_sys", ms.BuckHashSys)
	b = appendU(append(b, ','), "next_gc", ms.NextGC)
	b = appendU(append(b, ','), "last_gc_unix_ns", ms.LastGC)
	return append(b, '}')
}

// appendBySize writes MemStats.BySize as [[size, mallocs, frees], ...],
// one entry per size class (class 0, size 0, first).
func appendBySize(b []byte, ms *runtime.MemStats) []byte {
	b = appendKey(b, "by_size")
	b = append(b, '[')
	for i := range ms.BySize {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendUint(b, uint64(ms.BySize[i].Size), 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, ms.BySize[i].Mallocs, 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, ms.BySize[i].Frees, 10)
		b = append(b, ']')
	}
	return append(b, ']')
}

// tailAttempts bounds the retries of writeTail.
const tailAttempts = 50

// writeTail finishes the oracle file opened as tailFD, whose body is
// bodyLen bytes long.  After the body's garbage is collected (FreeOSMemory
// also returns every free page to the OS, so the background scavenger has
// nothing left to change before the core is taken) nothing here allocates.
// The runtime itself may still allocate behind our back (a new M for a
// blocking system call allocates its m and g structures), so an attempt
// whose MemStats changed while it was written is done again at the same
// offset; the file becomes valid JSON only when "alloc_check" and the
// closing brace are written, after the last attempt.
func writeTail(bodyLen int64) {
	var b []byte
	for attempt := 1; ; attempt++ {
		debug.FreeOSMemory()
		runtime.ReadMemStats(&msFinal)
		threads := countThreads()
		ngo := runtime.NumGoroutine()

		b = tailBuf[:0]
		b = append(b, ",\n"...)
		b = appendKey(b, "memstats")
		b = appendMemStats(b, &msFinal)
		b = append(b, ",\n"...)
		b = appendBySize(b, &msFinal)
		b = append(b, ",\n"...)
		b = appendI(b, "num_goroutine", int64(ngo))
		b = append(b, ",\n"...)
		b = appendI(b, "threads", threads)
		b = append(b, ",\n"...)
		b = appendI(b, "tail_attempts", int64(attempt))
		b = append(b, ",\n"...)
		if !pwriteAll(tailFD, b, bodyLen) || syscall.Ftruncate(tailFD, bodyLen+int64(len(b))) != nil {
			Fatalf("oracle tail: write failed")
		}
		runtime.ReadMemStats(&msAfter)
		if unchanged() || attempt == tailAttempts {
			break
		}
	}

	off := bodyLen + int64(len(b))
	b = tailBuf[:0]
	b = appendKey(b, "alloc_check")
	b = append(b, '{')
	b = appendU(b, "mallocs_at_memstats", msFinal.Mallocs)
	b = appendU(append(b, ','), "mallocs_after_write", msAfter.Mallocs)
	b = appendU(append(b, ','), "heap_alloc_after_write", msAfter.HeapAlloc)
	b = appendKey(append(b, ','), "unchanged")
	if unchanged() {
		b = append(b, "true"...)
	} else {
		b = append(b, "false"...)
	}
	b = append(b, "}\n}\n"...)
	if !pwriteAll(tailFD, b, off) {
		Fatalf("oracle tail: write failed")
	}
	syscall.Close(tailFD)
	tailFD = -1
}

func unchanged() bool {
	return msFinal.Mallocs == msAfter.Mallocs && msFinal.Frees == msAfter.Frees &&
		msFinal.HeapAlloc == msAfter.HeapAlloc
}

func pwriteAll(fd int, b []byte, off int64) bool {
	for len(b) > 0 {
		n, err := syscall.Pwrite(fd, b, off)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return false
		}
		b = b[n:]
		off += int64(n)
	}
	return true
}
