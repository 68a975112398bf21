//! Stand-ins for a sick DynamoDB: endpoints that hang, throttle or refuse,
//! and proxies in front of DynamoDB Local that can be cut off, or that
//! refuse, lose, hold or conflict one operation.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

/// A local TCP endpoint that misbehaves like a sick DynamoDB.
pub enum Fault {
    /// Accepts connections and never answers.
    Hang,
    /// Answers every request as DynamoDB does when it throttles.
    Throttle,
}

pub async fn faulty_endpoint(fault: Fault) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            match fault {
                Fault::Hang => held.push(socket),
                Fault::Throttle => {
                    let counter = counter.clone();
                    tokio::spawn(async move {
                        let mut buffer = vec![0; 64 * 1024];
                        while let Ok(read) = socket.read(&mut buffer).await {
                            if read == 0 {
                                break;
                            }
                            counter.fetch_add(1, Ordering::SeqCst);
                            let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#;
                            let answer = format!(
                                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n{body}",
                                body.len()
                            );
                            if socket.write_all(answer.as_bytes()).await.is_err() {
                                break;
                            }
                        }
                    });
                }
            }
        }
    });
    (url, requests)
}

pub async fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// Forwards to DynamoDB Local while up; while down, refuses new connections
/// (closes them at once) and closes open ones at their next request.
pub async fn switchable_proxy(upstream: String) -> (String, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let up = Arc::new(AtomicBool::new(true));
    let switch = up.clone();
    let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_owned();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            if !switch.load(Ordering::SeqCst) {
                drop(socket);
                continue;
            }
            let upstream = upstream.clone();
            let switch = switch.clone();
            tokio::spawn(async move {
                let Ok(target) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let (mut from_client, mut to_client) = socket.into_split();
                let (mut from_target, mut to_target) = target.into_split();
                let answers = tokio::spawn(async move { tokio::io::copy(&mut from_target, &mut to_client).await });
                let mut buffer = vec![0; 64 * 1024];
                while let Ok(read) = from_client.read(&mut buffer).await {
                    if read == 0
                        || !switch.load(Ordering::SeqCst)
                        || to_target.write_all(&buffer[..read]).await.is_err()
                    {
                        break;
                    }
                }
                answers.abort();
            });
        }
    });
    (url, up)
}

/// What [`intercepting_proxy`] does to a request of the intercepted operation.
pub enum Intercept {
    /// Closes the connection without passing the request on, every time:
    /// the operation never reaches DynamoDB.
    Refuse,
    /// Passes the first such request on and closes the connection instead of
    /// passing its answer back: the write lands, its answer is lost.
    LoseAnswer,
    /// Holds the first such request until the test says go: the proxy sends
    /// a `oneshot::Sender` on this channel, and passes the request on once
    /// it fires (or is dropped).
    Hold(mpsc::Sender<oneshot::Sender<()>>),
    /// Answers the first this many such requests itself, as DynamoDB answers
    /// a transaction cancelled by a conflict with another one in flight on
    /// the first item; the rest go through.
    Conflict(usize),
    /// Answers the first this many such requests (`BatchWriteItem`) itself,
    /// as DynamoDB answers a batch it throttled whole: nothing written, every
    /// item of the request back in `UnprocessedItems`; the rest go through.
    Unprocessed(usize),
}

/// DynamoDB's answer to a transaction of two writes cancelled because
/// another transaction was in flight on the first item.
const CONFLICT_ANSWER: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]","CancellationReasons":[{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"},{"Code":"None"}]}"#;

/// Forwards to DynamoDB Local, except requests of the operation `operation`
/// (e.g. `TransactWriteItems`, as in the `X-Amz-Target` header), which get
/// `intercept`. Also gives the number of such requests seen.
pub async fn intercepting_proxy(
    upstream: String,
    operation: &'static str,
    intercept: Intercept,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let intercept = Arc::new(intercept);
    let target = format!("DynamoDB_20120810.{operation}").into_bytes();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(&upstream).await else {
                continue;
            };
            let (intercept, target, counter) = (intercept.clone(), target.clone(), counter.clone());
            tokio::spawn(async move {
                let (mut client_read, client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let client_write = Arc::new(tokio::sync::Mutex::new(client_write));
                let answer_write = client_write.clone();
                let lose_answer = Arc::new(AtomicBool::new(false));
                let lose = lose_answer.clone();
                let requests = async move {
                    let mut pending = Vec::new();
                    while let Some(request) = read_request(&mut client_read, &mut pending).await {
                        if request.windows(target.len()).any(|window| window == target.as_slice()) {
                            let nth = counter.fetch_add(1, Ordering::SeqCst);
                            match &*intercept {
                                Intercept::Refuse => return,
                                Intercept::LoseAnswer => lose.store(nth == 0, Ordering::SeqCst),
                                Intercept::Hold(signal) if nth == 0 => {
                                    let (go, wait) = oneshot::channel();
                                    if signal.send(go).await.is_ok() {
                                        let _ = wait.await;
                                    }
                                }
                                Intercept::Conflict(times) if nth < *times => {
                                    let answer = format!(
                                        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n{CONFLICT_ANSWER}",
                                        CONFLICT_ANSWER.len()
                                    );
                                    if client_write.lock().await.write_all(answer.as_bytes()).await.is_err() {
                                        return;
                                    }
                                    continue;
                                }
                                Intercept::Unprocessed(times) if nth < *times => {
                                    let answer = unprocessed_answer(&request);
                                    if client_write.lock().await.write_all(answer.as_bytes()).await.is_err() {
                                        return;
                                    }
                                    continue;
                                }
                                Intercept::Hold(_) | Intercept::Conflict(_) | Intercept::Unprocessed(_) => {}
                            }
                        }
                        if server_write.write_all(&request).await.is_err() {
                            return;
                        }
                    }
                };
                let answers = async move {
                    let mut buffer = vec![0; 64 * 1024];
                    loop {
                        let read = match server_read.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(read) => read,
                        };
                        if lose_answer.load(Ordering::SeqCst) {
                            return;
                        }
                        if answer_write.lock().await.write_all(&buffer[..read]).await.is_err() {
                            return;
                        }
                    }
                };
                // Whichever side ends first closes both connections.
                tokio::select! {
                    () = requests => {}
                    () = answers => {}
                }
            });
        }
    });
    (url, seen)
}

/// DynamoDB's answer to a `BatchWriteItem` `request` that it throttled
/// whole: every item of the request, unprocessed.
fn unprocessed_answer(request: &[u8]) -> String {
    let body_start = request
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map_or(request.len(), |end| end + 4);
    let sent: serde_json::Value = serde_json::from_slice(&request[body_start..]).unwrap_or_default();
    let body = serde_json::json!({ "UnprocessedItems": sent["RequestItems"] }).to_string();
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// The next whole HTTP/1.1 request (head and `Content-Length` body) from
/// `reader`, `pending` holding what was read past the previous one.
async fn read_request(reader: &mut (impl AsyncReadExt + Unpin), pending: &mut Vec<u8>) -> Option<Vec<u8>> {
    loop {
        if let Some(head_end) = pending.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..head_end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0);
            let total = head_end + 4 + length;
            if pending.len() >= total {
                let rest = pending.split_off(total);
                return Some(std::mem::replace(pending, rest));
            }
        }
        let mut buffer = vec![0; 64 * 1024];
        match reader.read(&mut buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(read) => pending.extend_from_slice(&buffer[..read]),
        }
    }
}
