//! The server's connections: TCP streams that send sealed page bytes (see [`super::sealed`])
//! with `sendfile(2)` and everything else as written.
//!
//! hyper writes a response as one vectored write of its head and the body's [`Bytes`]. When the
//! body lies in a sealed file, the head goes out with `MSG_MORE` and the body with `sendfile`, so
//! the two still leave in the same segments. The kernel then sends the file's own pages instead
//! of a fresh copy: the server skips copying the page on every hit, and every reader's copy is
//! read from the same few pages, which stay warm in the CPU caches, as with nginx's `sendfile on`.

use std::io::{self, IoSlice};
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::sealed;

/// The listening socket, until the server is told to stop: then it is closed at once, so new
/// connections go to the process taking over (see [`super::listen`]), while the connections
/// already accepted are still served.
pub struct SendfileListener {
    listener: Option<TcpListener>,
    address: std::net::SocketAddr,
    stop: tokio::sync::watch::Receiver<bool>,
}

impl SendfileListener {
    pub fn new(
        listener: TcpListener,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> io::Result<Self> {
        Ok(SendfileListener {
            address: listener.local_addr()?,
            listener: Some(listener),
            stop,
        })
    }
}

impl axum::serve::Listener for SendfileListener {
    type Io = SendfileStream;
    type Addr = std::net::SocketAddr;

    /// axum's own accept loop (it retries aborted connections and waits when out of
    /// descriptors), then the stream is wrapped; once stopped, the socket is closed and no
    /// connection comes any more.
    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Some(listener) = self.listener.as_mut() else {
                return std::future::pending().await;
            };
            tokio::select! {
                biased;
                _ = self.stop.wait_for(|stopped| *stopped) => {
                    self.listener = None;
                }
                (stream, address) = <TcpListener as axum::serve::Listener>::accept(listener) => {
                    // A page's last short segment must not wait for the reader's delayed ACK.
                    if let Err(error) = stream.set_nodelay(true) {
                        tracing::debug!(%error, "cannot set TCP_NODELAY");
                    }
                    return (SendfileStream(stream), address);
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.address)
    }
}

pub struct SendfileStream(TcpStream);

impl SendfileStream {
    /// Runs one non-blocking write on the socket once it is writable.
    fn poll_io(
        &self,
        cx: &mut Context<'_>,
        mut write: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.0.poll_write_ready(cx))?;
            match self.0.try_io(Interest::WRITABLE, &mut write) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                result => return Poll::Ready(result),
            }
        }
    }

    /// Writes `head` with `MSG_MORE`, so the kernel holds it for the file's pages that follow.
    fn poll_head(&self, cx: &mut Context<'_>, head: &[IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let socket = self.0.as_raw_fd();
        self.poll_io(cx, || {
            // SAFETY: an all-zero msghdr is valid (no name, no control data).
            let mut message: libc::msghdr = unsafe { std::mem::zeroed() };
            // IoSlice has iovec's layout on Unix; sendmsg only reads through the pointer.
            message.msg_iov = head.as_ptr().cast_mut().cast();
            message.msg_iovlen = head.len();
            // SAFETY: the message points at the caller's slices, which outlive the call.
            let sent =
                unsafe { libc::sendmsg(socket, &message, libc::MSG_MORE | libc::MSG_NOSIGNAL) };
            byte_count(sent)
        })
    }

    fn poll_sendfile(
        &self,
        cx: &mut Context<'_>,
        file: std::os::fd::RawFd,
        offset: usize,
        len: usize,
    ) -> Poll<io::Result<usize>> {
        let socket = self.0.as_raw_fd();
        let Ok(offset) = libc::off_t::try_from(offset) else {
            return Poll::Ready(Err(io::Error::other("sealed file offset out of range")));
        };
        self.poll_io(cx, || {
            let mut position = offset;
            // SAFETY: both descriptors are open (the caller holds the file's bytes), and the
            // position is ours.
            byte_count(unsafe { libc::sendfile(socket, file, &mut position, len) })
        })
    }
}

/// A syscall's byte count, or the error it set.
fn byte_count(result: isize) -> io::Result<usize> {
    usize::try_from(result).map_err(|_| io::Error::last_os_error())
}

impl AsyncWrite for SendfileStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    /// Writes what comes before the first sealed slice, then that slice by `sendfile`; returns
    /// how much of `bufs` went, as a vectored write does, and hyper calls again for the rest.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let sealed = bufs
            .iter()
            .enumerate()
            .find_map(|(i, buf)| sealed::file_of(buf).map(|(file, offset)| (i, file, offset)));
        let Some((index, file, offset)) = sealed else {
            return Pin::new(&mut self.0).poll_write_vectored(cx, bufs);
        };
        let head = &bufs[..index];
        let head_len: usize = head.iter().map(|b| b.len()).sum();
        let mut written = 0;
        if head_len > 0 {
            written = ready!(self.poll_head(cx, head))?;
            if written < head_len {
                return Poll::Ready(Ok(written));
            }
        }
        match self.poll_sendfile(cx, file, offset, bufs[index].len()) {
            Poll::Ready(Ok(sent)) => Poll::Ready(Ok(written + sent)),
            // The head went: report it now, and the error or wait comes with the next call.
            _ if written > 0 => Poll::Ready(Ok(written)),
            other => other,
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncRead for SendfileStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Shrinks a socket's send buffer so a large write stops part way.
    fn small_send_buffer(stream: &TcpStream) {
        let size: libc::c_int = 4096;
        // SAFETY: setsockopt on an open socket with a pointer to a c_int we own.
        let set = unsafe {
            libc::setsockopt(
                stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_SNDBUF,
                std::ptr::from_ref(&size).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        assert_eq!(set, 0);
    }

    #[tokio::test]
    async fn a_sealed_body_arrives_whole_after_partial_sends() {
        let page: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let sealed = sealed::seal(&[b"skipped", &page]).expect("a memory file");
        let body = sealed[1].clone();
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n".to_vec();

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let client = tokio::spawn(async move {
            let mut reader = TcpStream::connect(address).await.unwrap();
            let mut received = Vec::new();
            let mut chunk = vec![0u8; 8192];
            loop {
                let n = reader.read(&mut chunk).await.unwrap();
                if n == 0 {
                    return received;
                }
                received.extend_from_slice(&chunk[..n]);
                // A slow reader, so the server's sends fill its buffer and wait.
                tokio::task::yield_now().await;
            }
        });
        let (stream, _) = listener.accept().await.unwrap();
        small_send_buffer(&stream);
        let mut stream = SendfileStream(stream);

        let (mut head_left, mut body_left) = (&head[..], &body[..]);
        let mut calls = 0;
        while !head_left.is_empty() || !body_left.is_empty() {
            let slices = [IoSlice::new(head_left), IoSlice::new(body_left)];
            let mut n = stream.write_vectored(&slices).await.unwrap();
            assert!(n > 0);
            calls += 1;
            let from_head = n.min(head_left.len());
            head_left = &head_left[from_head..];
            n -= from_head;
            body_left = &body_left[n..];
        }
        stream.shutdown().await.unwrap();
        drop(stream);

        let received = client.await.unwrap();
        assert!(
            calls > 2,
            "the body went in {calls} writes: the buffer never filled"
        );
        assert_eq!(received.len(), head.len() + page.len());
        assert_eq!(&received[..head.len()], &head[..]);
        assert!(
            received[head.len()..] == page[..],
            "the body arrived changed"
        );
    }
}
