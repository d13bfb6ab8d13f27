//! `zoom-sim --bind 127.0.0.1:9090`: run the simulator with a seeded account, user and app.

use std::net::SocketAddr;

use clap::Parser;
use zoom_sim::{AppSpec, Plan, UserType, ZoomSim};

#[derive(Parser, Debug)]
#[command(name = "zoom-sim", about = "A faithful local Zoom simulator")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9090", env = "ZOOM_SIM_BIND")]
    bind: SocketAddr,
    /// Seeded OAuth app client id.
    #[arg(long, default_value = "sim-client-id")]
    client_id: String,
    /// Seeded OAuth app client secret.
    #[arg(long, default_value = "sim-client-secret")]
    client_secret: String,
    /// Redirect URI(s) allowed for the seeded app.
    #[arg(long, default_value = "http://127.0.0.1:8080/zoom/oauth/callback")]
    redirect_uri: Vec<String>,
    /// Webhook endpoint of the seeded app (validated with endpoint.url_validation).
    #[arg(long)]
    webhook_url: Option<String>,
    /// Webhook secret token of the seeded app.
    #[arg(long, default_value = "sim-webhook-secret")]
    webhook_secret: String,
    /// Plan of the seeded account.
    #[arg(long, default_value = "pro", value_parser = parse_plan)]
    plan: Plan,
    /// Approve /oauth/authorize at once as the seeded user.
    #[arg(long)]
    auto_approve: bool,
    /// Disable per-second rate limits (daily create/update limit stays).
    #[arg(long)]
    no_rate_limits: bool,
}

fn parse_plan(s: &str) -> Result<Plan, String> {
    match s {
        "basic" => Ok(Plan::Basic),
        "pro" => Ok(Plan::Pro),
        "business" => Ok(Plan::Business),
        _ => Err("plan must be basic, pro or business".into()),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args = Args::parse();
    let sim = ZoomSim::start_on(args.bind).await?;
    let account = sim.create_account(args.plan, true);
    let user = sim.create_user(
        &account,
        "host@example.com",
        "Hanna",
        "Host",
        UserType::Licensed,
    );
    sim.create_app(AppSpec {
        client_id: args.client_id.clone(),
        client_secret: args.client_secret.clone(),
        redirect_uris: args.redirect_uri.clone(),
        scopes: vec![
            "user:read:user".into(),
            "user:read:token".into(),
            "user:read:zak".into(),
            "meeting:read:meeting".into(),
            "meeting:read:list_meetings".into(),
            "meeting:write:meeting".into(),
            "meeting:update:meeting".into(),
            "meeting:delete:meeting".into(),
            "meeting:read:list_past_participants".into(),
            "webinar:read:webinar".into(),
            "webinar:read:list_webinars".into(),
            "webinar:write:webinar".into(),
            "webinar:delete:webinar".into(),
            "cloud_recording:read:list_recording_files".into(),
        ],
        owner_account_id: account.clone(),
        webhook_url: args.webhook_url.clone(),
        webhook_secret: args.webhook_secret.clone(),
        sdk_key: None,
        sdk_secret: None,
    });
    sim.set_login_user(&user);
    sim.set_auto_approve(args.auto_approve);
    sim.set_rate_limits(!args.no_rate_limits);
    println!("zoom-sim listening on {}", sim.base_url());
    println!(
        "  oauth:     {}/oauth/authorize  {}/oauth/token",
        sim.base_url(),
        sim.base_url()
    );
    println!("  api:       {}", sim.api_base());
    println!("  sdk js:    {}", sim.sdk_script_url());
    println!("  control:   {}/_sim/", sim.base_url());
    println!(
        "  account:   {account} (plan {:?}, webinar add-on)",
        args.plan
    );
    println!("  user:      {user} host@example.com (licensed, signed in)");
    println!(
        "  app:       client_id={} client_secret={}",
        args.client_id, args.client_secret
    );
    println!("  redirects: {}", args.redirect_uri.join(", "));
    println!(
        "  webhooks:  {} (secret {})",
        args.webhook_url.as_deref().unwrap_or("-"),
        args.webhook_secret
    );
    tokio::signal::ctrl_c().await?;
    sim.shutdown();
    Ok(())
}
