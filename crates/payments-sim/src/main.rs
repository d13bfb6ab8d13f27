//! Run payments-sim standalone: `cargo run -p payments-sim -- --bind 127.0.0.1:9191`.

use clap::Parser;

#[derive(Parser)]
#[command(about = "Local strict simulators of Stripe Checkout and PayPal Orders v2")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9191")]
    bind: std::net::SocketAddr,
    /// Stripe webhook endpoint to deliver events to.
    #[arg(long)]
    stripe_webhook_url: Option<String>,
    /// Its signing secret.
    #[arg(long, default_value = "whsec_payments_sim")]
    stripe_webhook_secret: String,
    /// PayPal webhook listener to deliver events to.
    #[arg(long)]
    paypal_webhook_url: Option<String>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let a = Args::parse();
    let sim = payments_sim::PaymentsSim::start_on(a.bind).await?;
    println!("payments-sim listening on {}", sim.base_url());
    println!("Stripe API base:  {}", sim.stripe_api_base());
    println!("Stripe secret key: {}", sim.stripe_secret_key());
    if let Some(u) = a.stripe_webhook_url {
        sim.register_stripe_webhook(&u, &a.stripe_webhook_secret);
        println!(
            "Stripe webhooks -> {u} (secret {})",
            a.stripe_webhook_secret
        );
    }
    let (id, secret) = sim.paypal_credentials();
    println!("PayPal API base:  {}", sim.paypal_api_base());
    println!("PayPal client id / secret: {id} / {secret}");
    if let Some(u) = a.paypal_webhook_url {
        let wh = sim.register_paypal_webhook(&u);
        println!("PayPal webhooks -> {u} (webhook id {wh})");
    }
    println!("PayPal cert URL:  {}", sim.paypal_cert_url());
    tokio::signal::ctrl_c().await?;
    sim.shutdown();
    Ok(())
}
