//! The few operating-system calls a run makes, each behind a safe function: lowering the
//! process's priority, free space on the output filesystem, the kernel's host name, the
//! effective uid. Every `unsafe` block of the run (outside the runner's process groups) is here.

use std::io;
use std::path::Path;

/// Lowers the priority of this process (and so of every thread and child started after):
/// nice 19 and the idle I/O class, so collection never competes with the node's workloads.
pub fn lower_priority() {
    // SAFETY: setpriority only changes the scheduling priority of the calling thread (Linux
    // applies PRIO_PROCESS 0 to the caller); it reads no memory of ours.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
    const IOPRIO_CLASS_IDLE: libc::c_long = 3;
    const IOPRIO_CLASS_SHIFT: libc::c_long = 13;
    const IOPRIO_WHO_PROCESS: libc::c_long = 1;
    // SAFETY: ioprio_set takes three integers and reads no memory; failure (old kernel, seccomp)
    // is harmless and ignored.
    unsafe {
        libc::syscall(
            libc::SYS_ioprio_set,
            IOPRIO_WHO_PROCESS,
            0 as libc::c_long,
            IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT,
        );
    }
}

/// Free bytes for an unprivileged user on the filesystem holding `dir`.
pub fn free_space(dir: &Path) -> io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: statvfs is a plain C struct (all-zero is valid); `c` is a NUL-terminated path that
    // outlives the call.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: see above.
    let r = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st.f_bavail as u64 * st.f_frsize as u64)
}

/// The kernel's host name (gethostname), when it has one.
pub fn hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: buf is writable for its whole length, which is what we pass.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
    if r != 0 {
        return None;
    }
    let n = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

/// The effective uid (0 = root), for the manifest.
pub fn euid() -> u32 {
    // SAFETY: geteuid never fails and touches no memory.
    unsafe { libc::geteuid() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_of_a_folder_and_an_error_for_a_missing_one() {
        let dir = std::env::temp_dir();
        assert!(free_space(&dir).is_ok());
        let e = free_space(&dir.join("kdiag-no-such-folder/x")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(free_space(Path::new("a\0b")).is_err());
    }
}
