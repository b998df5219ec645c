//! How RSA signing scales over this machine's cores: per-signature time with 1 and 2 threads.
use std::time::Instant;
fn main() {
    let f = wxpay_benches::Fixture::new().expect("fixture");
    let msg = vec![b'x'; 600];
    for threads in [1usize, 2] {
        let n = 600;
        let started = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    for _ in 0..n {
                        std::hint::black_box(f.merchant_key.sign(&msg).expect("sign"));
                    }
                });
            }
        });
        let per = started.elapsed() / (n as u32);
        println!(
            "{threads} thread(s): {:.1?} per signature per thread, {:.0} signatures/s in all",
            per,
            (threads * n) as f64 / started.elapsed().as_secs_f64()
        );
    }
}
