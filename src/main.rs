//! The `broadsheet` command line: parse, set up logging, run one subcommand, and turn any error
//! into one clear line and a non-zero exit.

use std::io::IsTerminal;
use std::process::ExitCode;

use broadsheet::commands;
use broadsheet::config::{
    BackupArgs, Common, ContentKeyCommand, DemoArgs, ExportCommand, ImportCommand, LogFormat,
    MediaCommand, NewsletterCommand, RestoreArgs, SearchCommand, ServeArgs, UserCommand,
};
use clap::{Parser, Subcommand};

/// mimalloc rather than glibc's allocator: rendering a page allocates thousands of small values,
/// and glibc's malloc and free were about a tenth of a page render's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "broadsheet",
    version,
    about = "A self-hosted news publishing platform"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site (migrates the database first).
    Serve(Box<ServeArgs>),
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Load a generated demo newsroom: sections, tags, authors, articles and photographs.
    Demo(DemoArgs),
    /// Manage the people who run the newsroom.
    #[command(subcommand)]
    User(UserCommand),
    /// Import readers, list newsletters, send an issue from the command line.
    #[command(subcommand)]
    Newsletter(NewsletterCommand),
    /// Rebuild this node's search index.
    #[command(subcommand)]
    Search(SearchCommand),
    /// Move content in from another system (WordPress).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write the site out in another system's format (WordPress).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Copy the running site (database, media, settings) into a new folder, with a manifest of
    /// checksums; the site keeps serving and writing meanwhile.
    Backup(BackupArgs),
    /// Put a backup back into an empty data dir (and, for PostgreSQL, an empty database), after
    /// checking every file against its manifest.
    Restore(RestoreArgs),
    /// Move the media library between stores (a folder, an S3 bucket).
    #[command(subcommand)]
    Media(MediaCommand),
    /// Manage the keys Ghost clients read the Content API with.
    #[command(subcommand)]
    ContentKey(ContentKeyCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.common);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("broadsheet: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => commands::serve(&cli.common, &args).await,
            Command::Migrate => commands::migrate(&cli.common).await,
            Command::Demo(args) => commands::demo(&cli.common, &args).await,
            Command::User(command) => commands::user(&cli.common, command).await,
            Command::Newsletter(command) => {
                broadsheet::newsletters::command::run(&cli.common, command).await
            }
            Command::Search(command) => {
                broadsheet::search::command::run(&cli.common, command).await
            }
            Command::Import(command) => {
                broadsheet::import::command::run(&cli.common, command).await
            }
            Command::Export(command) => {
                broadsheet::import::command::export(&cli.common, command).await
            }
            Command::Backup(args) => broadsheet::backup::backup(&cli.common, &args).await,
            Command::Restore(args) => broadsheet::backup::restore(&cli.common, &args).await,
            Command::Media(command) => broadsheet::media::command::run(&cli.common, command).await,
            Command::ContentKey(command) => {
                broadsheet::ghost_api::keys::command(&cli.common, command).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("broadsheet: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(common: &Common) {
    let filter = tracing_subscriber::EnvFilter::try_new(&common.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour codes only for a person at a terminal: a log file or journald gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match common.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}
