//! One import of a WordPress export, in three passes over the file so that memory stays bounded
//! whatever its size:
//!
//! 1. **Scan**: the authors' and terms' entries are kept (they are few), attachments go into the
//!    media library, and every post's old addresses are noted (a string each), so that a post
//!    can find the pictures and the posts it refers to wherever they are in the file. People,
//!    sections and tags are then written.
//! 2. **Content**: each post becomes an article with its comments, one transaction per post,
//!    so an import stopped at any point leaves whole articles and resumes where it stopped.
//! 3. **Links**: links between imported posts are pointed at the articles' new addresses, known
//!    only once every post is in.
//!
//! Everything is written through the rooms' services, with the rules every other door has;
//! `import_map` ties each thing of the export to its row, so a second run updates in place and
//! an unchanged post is not touched. A dry run does all of it in one transaction that is rolled
//! back, and stores no files.

use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use chrono::Datelike;
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use super::mapping::{self, CommentFate, Disposition};
use super::php;
use super::store;
use super::summary::{Outcome, Summary};
use super::wxr::{self, Entry, Fields, Item, WxrError};
use crate::accounts::Role;
use crate::accounts::service::{self as accounts, LinkPurpose, NewAccount};
use crate::articles::body::{self, GalleryImage, LIBRARY_PREFIX, UrlUse};
use crate::articles::service::{self as articles, ArticleInput, Edit, Ensured, NewSection, Status};
use crate::articles::slug;
use crate::articles::workflow;
use crate::clock::Clock;
use crate::comments::service::{self as comments, Imported};
use crate::comments::spam::Arrival;
use crate::db::{Db, Keyed, Timestamp, Tx};
use crate::error::AppError;
use crate::fronts::service as fronts;
use crate::media::MediaFiles;
use crate::media::images::ImageService;
use crate::media::service::{self as media, Texts};
use crate::pages::service::{self as pages, PageInput};
use crate::site::redirects;
use crate::site::settings;

/// Changes when the mapping does, so that a new version re-imports posts it would now map
/// differently even though the export did not change.
const MAPPING_VERSION: &str = "1";

/// The largest attachment file read from the uploads folder.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// How deep a category tree is followed looking for its top (a loop in a broken export ends
/// here).
const MAX_CATEGORY_DEPTH: usize = 64;

pub struct Options {
    /// A copy of the site's `wp-content/uploads`, where attachments' files are read from.
    pub uploads: Option<PathBuf>,
    /// Fetch attachments that `uploads` does not hold from their addresses in the export,
    /// through the image service's source rules (its allow-list, size and time limits).
    pub fetch_media: Option<Arc<ImageService>>,
    /// Make staff accounts (without passwords) for the export's authors.
    pub create_accounts: bool,
    pub dry_run: bool,
}

/// Told how far an import has come, for a progress bar or log lines.
pub trait Progress {
    fn pass(&self, name: &'static str, total: Option<u64>);
    fn advance(&self);
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not a readable WordPress export.
    #[error("{0}")]
    Format(#[from] WxrError),
    /// An item the export holds cannot be read (its meta is broken).
    #[error("line {line}: {message}")]
    Item { line: u64, message: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Failed(#[from] AppError),
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Failed(e.into())
    }
}

type Result<T> = std::result::Result<T, ImportError>;

/// A picture of the library an imported attachment became.
#[derive(Debug, Clone)]
struct Picture {
    media_id: i64,
    alt: String,
    caption: String,
}

/// What a WordPress item of content becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Post,
    Page,
}

impl Content {
    /// Its kind in `import_map`.
    fn map_kind(self) -> &'static str {
        match self {
            Content::Post => "post",
            Content::Page => "page",
        }
    }

    /// Its line in the summary.
    fn label(self) -> &'static str {
        match self {
            Content::Post => "articles",
            Content::Page => "pages",
        }
    }
}

/// An attachment's own page in WordPress: its old addresses, the post it was uploaded to, and
/// the library item it became.
#[derive(Debug, Clone)]
struct AttachmentPage {
    addresses: Vec<String>,
    parent: String,
    media_id: i64,
}

/// A section a category became.
#[derive(Debug, Clone)]
struct SectionRef {
    id: i64,
}

pub async fn run(
    db: &Db,
    clock: &Clock,
    files: &MediaFiles,
    path: &Path,
    options: &Options,
    progress: &dyn Progress,
) -> Result<Summary> {
    let site = settings::load(db).await?;
    let mut run = Run {
        db,
        clock,
        now: clock.now(),
        tz: site.tz,
        files,
        options,
        progress,
        source: String::new(),
        hosts: Vec::new(),
        held: None,
        summary: Summary::new(options.dry_run),
        authors: HashMap::new(),
        author_entries: Vec::new(),
        categories: Vec::new(),
        tag_entries: Vec::new(),
        seen_terms: std::collections::HashSet::new(),
        sections: HashMap::new(),
        default_section: None,
        tags: HashMap::new(),
        pictures: HashMap::new(),
        uploads: HashMap::new(),
        attached: HashMap::new(),
        old_posts: HashMap::new(),
        linking: Vec::new(),
        attachment_pages: Vec::new(),
        sticky: Vec::new(),
        page_parents: HashMap::new(),
        orphans: Vec::new(),
        archives: BTreeSet::new(),
        content_items: 0,
    };
    run.scan(path).await?;
    run.people().await?;
    run.sections().await?;
    run.tags().await?;
    run.content(path).await?;
    run.adopt_orphans().await?;
    run.attachment_redirects().await?;
    run.feature_sticky().await?;
    run.links().await?;
    run.archive_redirects().await?;
    if let Some(tx) = run.held.take() {
        drop(tx);
    }
    Ok(run.summary)
}

struct Run<'a> {
    db: &'a Db,
    clock: &'a Clock,
    now: Timestamp,
    tz: Tz,
    files: &'a MediaFiles,
    options: &'a Options,
    progress: &'a dyn Progress,
    /// The site the export came from, which `import_map` rows are kept under.
    source: String,
    /// Its host names, which tell its own links from links elsewhere.
    hosts: Vec<String>,
    /// The dry run's one transaction.
    held: Option<Tx>,
    summary: Summary,
    /// Author profiles by WordPress login.
    authors: HashMap<String, i64>,
    author_entries: Vec<Fields>,
    categories: Vec<Fields>,
    tag_entries: Vec<Fields>,
    /// The categories' and tags' slugs kept so far, so each is kept once in one look.
    seen_terms: std::collections::HashSet<(&'static str, String)>,
    /// Sections by category nicename.
    sections: HashMap<String, SectionRef>,
    default_section: Option<i64>,
    /// Tags by WordPress slug.
    tags: HashMap<String, i64>,
    /// Library pictures by WordPress attachment id.
    pictures: HashMap<String, Picture>,
    /// Library pictures by their file in the uploads folder (`2024/05/boat.jpg`).
    uploads: HashMap<String, i64>,
    /// Attachment ids by the post they were uploaded to, for `[gallery]` without ids.
    attached: HashMap<String, Vec<String>>,
    /// WordPress post ids by the old addresses of the posts.
    old_posts: HashMap<String, String>,
    /// Articles whose bodies link to other imported posts.
    linking: Vec<i64>,
    /// WordPress's pages of single attachments, to lead to their post or their picture.
    attachment_pages: Vec<AttachmentPage>,
    /// Sticky posts that are published, with their publication times.
    sticky: Vec<(Timestamp, i64)>,
    /// Pages' parents, by WordPress ids.
    page_parents: HashMap<String, String>,
    /// Pages imported before their parent, by their id, with the parent's WordPress id.
    orphans: Vec<(i64, String)>,
    /// The months that imported posts were published in, for the date archives' redirects.
    archives: BTreeSet<(i32, u32)>,
    content_items: u64,
}

fn fingerprint(item: &Item) -> String {
    let mut hash = Sha256::new();
    hash.update(MAPPING_VERSION);
    hash.update(format!(
        "{:?}{:?}{:?}{:?}",
        item.fields, item.terms, item.meta, item.comments
    ));
    format!("{:x}", hash.finalize())
}

/// What finding or making a row counts as: a row that was there already (an editor's, or one
/// an earlier import made under another source) is left as it is.
fn outcome(ensured: Ensured) -> Outcome {
    if ensured.created {
        Outcome::Created
    } else {
        Outcome::Unchanged
    }
}

/// The value of a meta key.
fn meta<'i>(item: &'i Item, key: &str) -> &'i str {
    item.meta
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// Refuses an item whose PHP-serialised meta is broken, with where and why.
fn check_meta(item: &Item) -> Result<()> {
    let all = item
        .meta
        .iter()
        .chain(item.comments.iter().flat_map(|c| c.meta.iter()));
    for (key, value) in all {
        if php::is_serialized(value)
            && let Err(e) = php::unserialize(value)
        {
            return Err(ImportError::Item {
                line: item.line,
                message: format!("the serialised PHP value of meta {key:?} is broken: {e}"),
            });
        }
    }
    Ok(())
}

impl Run<'_> {
    async fn begin(&mut self) -> Result<Tx> {
        match self.held.take() {
            Some(tx) => Ok(tx),
            None => Ok(self.db.begin().await?),
        }
    }

    async fn finish(&mut self, tx: Tx) -> Result<()> {
        if self.options.dry_run {
            self.held = Some(tx);
        } else {
            tx.commit().await?;
        }
        Ok(())
    }

    /// Drops what an item wrote after it failed. A dry run keeps its transaction for a failure
    /// found before anything was written (a refused input); any other ends it.
    fn abandon(&mut self, tx: Tx, error: &AppError) -> Result<()> {
        if self.options.dry_run {
            if !matches!(error, AppError::Invalid(_)) {
                return Err(ImportError::Failed(AppError::Internal(anyhow::anyhow!(
                    "the dry run cannot go on after: {error}"
                ))));
            }
            self.held = Some(tx);
        }
        Ok(())
    }

    fn redirect_target_key(&self, address: &str) -> Option<String> {
        let hosts: Vec<&str> = self.hosts.iter().map(String::as_str).collect();
        mapping::old_path(address, &hosts)
    }

    // ---- pass 1 ----

    async fn scan(&mut self, path: &Path) -> Result<()> {
        self.progress.pass("Reading the export", None);
        let mut reader = wxr::open(path)?;
        while let Some(entry) = reader.next_entry()? {
            if self.source.is_empty() {
                self.know_site(reader.site());
            }
            match entry {
                Entry::Author(fields) => self.author_entries.push(fields),
                Entry::Category(fields) => self.add_category(fields),
                Entry::Tag(fields) => self.add_tag(fields),
                Entry::Term(fields) => self.term(&fields),
                Entry::Item(item) => {
                    check_meta(&item)?;
                    self.scan_item(&item).await?;
                }
            }
            self.progress.advance();
        }
        if self.source.is_empty() {
            self.know_site(reader.site());
        }
        Ok(())
    }

    /// Keeps a category the first time its nicename is met (an export may list one twice, as
    /// `wp:category` and as `wp:term`).
    fn add_category(&mut self, fields: Fields) {
        if self
            .seen_terms
            .insert(("category", fields.get("wp:category_nicename").to_string()))
        {
            self.categories.push(fields);
        }
    }

    fn add_tag(&mut self, fields: Fields) {
        if self
            .seen_terms
            .insert(("tag", fields.get("wp:tag_slug").to_string()))
        {
            self.tag_entries.push(fields);
        }
    }

    /// A term of any taxonomy (`<wp:term>`): categories and tags written this way are read as
    /// such; menus and other taxonomies are reported.
    fn term(&mut self, term: &Fields) {
        let renamed = |pairs: &[(&str, &str)]| {
            let mut fields = Fields::default();
            for (to, from) in pairs {
                fields
                    .0
                    .insert((*to).to_string(), vec![term.get(from).to_string()]);
            }
            fields
        };
        match term.get("wp:term_taxonomy") {
            "category" => self.add_category(renamed(&[
                ("wp:term_id", "wp:term_id"),
                ("wp:category_nicename", "wp:term_slug"),
                ("wp:category_parent", "wp:term_parent"),
                ("wp:cat_name", "wp:term_name"),
                ("wp:category_description", "wp:term_description"),
            ])),
            "post_tag" => self.add_tag(renamed(&[
                ("wp:term_id", "wp:term_id"),
                ("wp:tag_slug", "wp:term_slug"),
                ("wp:tag_name", "wp:term_name"),
                ("wp:tag_description", "wp:term_description"),
            ])),
            "nav_menu" => self.summary.skip("a menu (set menus up in the admin)"),
            other => self
                .summary
                .skip(format!("a term of the taxonomy {other:?}")),
        }
    }

    fn know_site(&mut self, site: &wxr::Site) {
        let base = [&site.base_blog_url, &site.link, &site.base_site_url]
            .into_iter()
            .find(|s| !s.trim().is_empty())
            .map_or("wordpress", |s| s.trim());
        self.source = base.trim_end_matches('/').to_string();
        for address in [&site.base_blog_url, &site.link, &site.base_site_url] {
            if let Some(host) = mapping::host(address.trim())
                && !self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
            {
                self.hosts.push(host.to_string());
            }
        }
    }

    async fn scan_item(&mut self, item: &Item) -> Result<()> {
        let id = item.fields.get("wp:post_id").to_string();
        match item.fields.get("wp:post_type") {
            "attachment" => {
                let parent = item.fields.get("wp:post_parent");
                if !parent.is_empty() && parent != "0" {
                    self.attached
                        .entry(parent.to_string())
                        .or_default()
                        .push(id.clone());
                }
                self.attachment(item).await?;
            }
            kind @ ("post" | "page") => {
                self.content_items += 1;
                if let Some(key) = self.redirect_target_key(item.fields.get("link")) {
                    self.old_posts.insert(key, id.clone());
                }
                let query = if kind == "post" { "p" } else { "page_id" };
                let parent = item.fields.get("wp:post_parent");
                if kind == "page" && !parent.is_empty() && parent != "0" {
                    self.page_parents.insert(id.clone(), parent.to_string());
                }
                self.old_posts.insert(format!("/?{query}={id}"), id);
            }
            _ => self.content_items += 1,
        }
        Ok(())
    }

    /// The file of an attachment in the uploads folder, refusing any path that leaves it.
    fn upload_path(&self, item: &Item) -> Option<(String, PathBuf)> {
        let root = self.options.uploads.as_ref()?;
        let relative = match meta(item, "_wp_attached_file") {
            "" => mapping::upload_file(item.fields.get("wp:attachment_url"))?,
            file => file.to_string(),
        };
        let inside = Path::new(&relative)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        inside.then(|| (relative.clone(), root.join(&relative)))
    }

    async fn attachment(&mut self, item: &Item) -> Result<()> {
        let wp_id = item.fields.get("wp:post_id").to_string();
        let alt = mapping::plain(meta(item, "_wp_attachment_image_alt"));
        let caption = mapping::plain(item.fields.get("excerpt:encoded"));
        let mut tx = self.begin().await?;
        if let Some(mapped) = store::mapped_in(&mut tx, &self.source, "attachment", &wp_id).await? {
            self.finish(tx).await?;
            self.know_picture(item, wp_id, mapped.local_id, alt, caption);
            self.summary.count("media", Outcome::Unchanged);
            return Ok(());
        }
        let address = item.fields.get("wp:attachment_url");
        let found = match (self.upload_path(item), &self.options.fetch_media) {
            (Some((relative, file)), _) if file.is_file() || self.options.fetch_media.is_none() => {
                read_limited(&file)
                    .map(|bytes| (relative, bytes))
                    .map_err(|e| format!("cannot read {}: {e}", file.display()))
            }
            (_, Some(images)) if !address.is_empty() => {
                let relative = mapping::upload_file(address).unwrap_or_else(|| address.to_string());
                images
                    .fetch_allowed(address)
                    .await
                    .map(|bytes| (relative, bytes))
                    .map_err(|e| format!("cannot fetch {address}: {e}"))
            }
            _ => {
                self.finish(tx).await?;
                self.summary.skip(
                    "an attachment whose file was not given (pass --uploads or --fetch-media)",
                );
                return Ok(());
            }
        };
        let (relative, bytes) = match found {
            Ok(found) => found,
            Err(why) => {
                self.finish(tx).await?;
                self.summary
                    .problem(format!("attachment {wp_id} (line {}): {why}", item.line));
                return Ok(());
            }
        };
        if self.options.dry_run {
            self.finish(tx).await?;
            self.summary.count("media", Outcome::Created);
            return Ok(());
        }
        let texts = Texts {
            alt: &alt,
            caption: &caption,
            credit: "",
        };
        match media::add_file_in(&mut tx, self.files, self.now, &bytes, texts).await {
            Ok(media_id) => {
                let print = fingerprint(item);
                store::remember_in(
                    &mut tx,
                    &self.source,
                    "attachment",
                    &wp_id,
                    media_id,
                    &print,
                )
                .await?;
                self.finish(tx).await?;
                self.uploads.insert(relative, media_id);
                self.know_picture(item, wp_id, media_id, alt, caption);
                self.summary.count("media", Outcome::Created);
            }
            Err(AppError::Invalid(_)) => {
                self.finish(tx).await?;
                self.summary
                    .skip("an attachment that is not a picture (JPEG, PNG, WebP, GIF)");
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    fn know_picture(
        &mut self,
        item: &Item,
        wp_id: String,
        media_id: i64,
        alt: String,
        caption: String,
    ) {
        if let Some((relative, _)) = self.upload_path(item) {
            self.uploads.insert(relative, media_id);
        } else if let Some(relative) = mapping::upload_file(item.fields.get("wp:attachment_url")) {
            self.uploads.insert(relative, media_id);
        }
        let mut addresses = vec![format!("/?attachment_id={wp_id}")];
        addresses.extend(self.redirect_target_key(item.fields.get("link")));
        self.attachment_pages.push(AttachmentPage {
            addresses,
            parent: item.fields.get("wp:post_parent").to_string(),
            media_id,
        });
        self.pictures.insert(
            wp_id,
            Picture {
                media_id,
                alt,
                caption,
            },
        );
    }

    async fn people(&mut self) -> Result<()> {
        for fields in std::mem::take(&mut self.author_entries) {
            let login = fields.get("wp:author_login").to_string();
            let display = mapping::plain(fields.get("wp:author_display_name"));
            let full = mapping::plain(&format!(
                "{} {}",
                fields.get("wp:author_first_name"),
                fields.get("wp:author_last_name")
            ));
            let name = [display, full, login.clone()]
                .into_iter()
                .find(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "Unknown author".into());
            let wp_id = fields.get("wp:author_id").to_string();
            let author_slug =
                mapping::term_slug(&login, &name, &format!("author-{}", slug::slugify(&wp_id)));
            let mut tx = self.begin().await?;
            let id = match store::mapped_in(&mut tx, &self.source, "author", &login).await? {
                Some(m) => {
                    self.summary.count("authors", Outcome::Unchanged);
                    m.local_id
                }
                None => {
                    let wanted = kept_id(&mut tx, Keyed::Authors, &wp_id).await?;
                    let author =
                        articles::ensure_author_in(&mut tx, &name, &author_slug, "", wanted)
                            .await?;
                    store::remember_in(&mut tx, &self.source, "author", &login, author.id, "")
                        .await?;
                    self.summary.count("authors", outcome(author));
                    author.id
                }
            };
            let target = format!("/author/{author_slug}");
            if !login.is_empty() {
                redirects::save_in(&mut tx, &format!("/author/{login}"), &target, self.now).await?;
            }
            if !wp_id.is_empty() {
                redirects::save_in(&mut tx, &format!("/?author={wp_id}"), &target, self.now)
                    .await?;
            }
            self.finish(tx).await?;
            self.authors.insert(login, id);
            let email = fields.get("wp:author_email");
            if self.options.create_accounts && !email.is_empty() {
                self.account(email, &name, id).await?;
            }
        }
        Ok(())
    }

    /// A staff account for an imported author, without a password until its owner sets one
    /// through a setup link.
    async fn account(&mut self, email: &str, name: &str, author_id: i64) -> Result<()> {
        if accounts::user_by_email(self.db, email).await.is_ok() {
            self.summary.count("accounts", Outcome::Unchanged);
            return Ok(());
        }
        if self.options.dry_run {
            self.summary.count("accounts", Outcome::Created);
            return Ok(());
        }
        let account = NewAccount {
            email: email.to_string(),
            name: name.to_string(),
            role: Role::Author,
            password: None,
        };
        match accounts::create_user(self.db, self.clock, account).await {
            Ok(user) => {
                accounts::set_author_profile(self.db, self.clock, user.id, Some(author_id)).await?;
                let token =
                    accounts::issue_link(self.db, self.clock, user.id, LinkPurpose::Setup).await?;
                let base = settings::load(self.db).await?.base_url;
                self.summary.note(format!(
                    "Account for {email}; it has no password until one is set at {}",
                    LinkPurpose::Setup.url(&base, &token)
                ));
                self.summary.count("accounts", Outcome::Created);
            }
            Err(AppError::Invalid(errors)) => {
                let why = errors.first().map_or(String::new(), |e| e.message.clone());
                self.summary
                    .problem(format!("no account for {email}: {why}"));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// The category's nicenames from the top of its tree down to it, through `parents`
    /// (nicename → parent's nicename, made once for all the categories).
    fn category_path(parents: &HashMap<&str, &str>, nicename: &str) -> Vec<String> {
        let mut path = vec![nicename.to_string()];
        let mut at = nicename;
        while let Some(parent) = parents.get(at).filter(|p| !p.is_empty())
            && path.len() < MAX_CATEGORY_DEPTH
            && !path.iter().any(|p| p == parent)
        {
            path.push(parent.to_string());
            at = parent;
        }
        path.reverse();
        path
    }

    async fn default_section_in(&mut self, tx: &mut Tx) -> Result<i64> {
        if let Some(id) = self.default_section {
            return Ok(id);
        }
        let section = articles::ensure_section_in(
            tx,
            &NewSection {
                parent_id: None,
                name: "News",
                slug: "news",
                description: "",
                position: 0,
            },
            None,
        )
        .await?;
        if section.created {
            self.summary.count("sections", Outcome::Created);
        }
        self.default_section = Some(section.id);
        Ok(section.id)
    }

    /// Categories become sections: the top of each tree a section, everything below it a
    /// sub-section of that top (Broadsheet has one level), with the old category address
    /// answering with the section's.
    async fn sections(&mut self) -> Result<()> {
        let parents: HashMap<&str, &str> = self
            .categories
            .iter()
            .map(|c| (c.get("wp:category_nicename"), c.get("wp:category_parent")))
            .collect();
        let mut ordered: Vec<(Vec<String>, Fields)> = self
            .categories
            .iter()
            .map(|c| {
                (
                    Self::category_path(&parents, c.get("wp:category_nicename")),
                    c.clone(),
                )
            })
            .collect();
        // By depth, so a parent is there before its children; WordPress's default category
        // last, so that it joins a section of the same slug rather than take its place.
        ordered.sort_by_key(|(path, fields)| {
            (
                fields.get("wp:category_nicename") == "uncategorized",
                path.len(),
            )
        });
        for (position, (path, fields)) in ordered.into_iter().enumerate() {
            let nicename = fields.get("wp:category_nicename").to_string();
            let mut tx = self.begin().await?;
            let id = if nicename == "uncategorized" {
                self.default_section_in(&mut tx).await?
            } else {
                match store::mapped_in(&mut tx, &self.source, "category", &nicename).await? {
                    Some(m) => {
                        self.summary.count("sections", Outcome::Unchanged);
                        m.local_id
                    }
                    None => {
                        let section = self.new_section(&mut tx, &path, &fields, position).await?;
                        store::remember_in(
                            &mut tx,
                            &self.source,
                            "category",
                            &nicename,
                            section.id,
                            "",
                        )
                        .await?;
                        self.summary.count("sections", outcome(section));
                        section.id
                    }
                }
            };
            let target = articles::section_path_in(&mut tx, id).await?;
            redirects::save_in(
                &mut tx,
                &format!("/category/{}", path.join("/")),
                &target,
                self.now,
            )
            .await?;
            let term_id = fields.get("wp:term_id");
            if !term_id.is_empty() {
                redirects::save_in(&mut tx, &format!("/?cat={term_id}"), &target, self.now).await?;
            }
            self.finish(tx).await?;
            self.sections.insert(nicename, SectionRef { id });
        }
        Ok(())
    }

    async fn new_section(
        &mut self,
        tx: &mut Tx,
        path: &[String],
        fields: &Fields,
        position: usize,
    ) -> Result<Ensured> {
        let name = mapping::plain(fields.get("wp:cat_name"));
        let nicename = fields.get("wp:category_nicename");
        let fallback = format!("section-{}", slug::slugify(fields.get("wp:term_id")));
        let mut section_slug = mapping::term_slug(nicename, &name, &fallback);
        if slug::RESERVED.contains(&section_slug.as_str()) {
            section_slug = slug::numbered(&section_slug, 2);
        }
        let parent_id = match path.first() {
            Some(top) if path.len() > 1 => self.sections.get(top).map(|s| s.id),
            _ => None,
        };
        let description = mapping::plain(fields.get("wp:category_description"));
        let name = if name.is_empty() {
            nicename.to_string()
        } else {
            name
        };
        let wanted = kept_id(tx, Keyed::Sections, fields.get("wp:term_id")).await?;
        Ok(articles::ensure_section_in(
            tx,
            &NewSection {
                parent_id,
                name: &name,
                slug: &section_slug,
                description: &description,
                position: i64::try_from(position).unwrap_or(0),
            },
            wanted,
        )
        .await?)
    }

    async fn tags(&mut self) -> Result<()> {
        for fields in std::mem::take(&mut self.tag_entries) {
            let wp_slug = fields.get("wp:tag_slug").to_string();
            let name = mapping::plain(fields.get("wp:tag_name"));
            let description = mapping::plain(fields.get("wp:tag_description"));
            let fallback = format!("tag-{}", slug::slugify(fields.get("wp:term_id")));
            let tag_slug = mapping::term_slug(&wp_slug, &name, &fallback);
            let name = if name.is_empty() {
                tag_slug.clone()
            } else {
                name
            };
            let mut tx = self.begin().await?;
            let id = match store::mapped_in(&mut tx, &self.source, "tag", &wp_slug).await? {
                Some(m) => {
                    self.summary.count("tags", Outcome::Unchanged);
                    m.local_id
                }
                None => {
                    let wanted = kept_id(&mut tx, Keyed::Tags, fields.get("wp:term_id")).await?;
                    let tag =
                        articles::ensure_tag_in(&mut tx, &name, &tag_slug, &description, wanted)
                            .await?;
                    store::remember_in(&mut tx, &self.source, "tag", &wp_slug, tag.id, "").await?;
                    self.summary.count("tags", outcome(tag));
                    tag.id
                }
            };
            if !wp_slug.is_empty() {
                let target = format!("/tag/{tag_slug}");
                redirects::save_in(&mut tx, &format!("/tag/{wp_slug}"), &target, self.now).await?;
            }
            self.finish(tx).await?;
            self.tags.insert(wp_slug, id);
        }
        Ok(())
    }

    // ---- pass 2 ----

    async fn content(&mut self, path: &Path) -> Result<()> {
        self.progress
            .pass("Importing posts", Some(self.content_items));
        let mut reader = wxr::open(path)?;
        while let Some(entry) = reader.next_entry()? {
            let Entry::Item(item) = entry else { continue };
            match item.fields.get("wp:post_type") {
                "attachment" => continue,
                "post" => self.content_item(&item, Content::Post).await?,
                "page" => self.content_item(&item, Content::Page).await?,
                "nav_menu_item" => self.summary.skip("a menu item (set menus up in the admin)"),
                "revision" => self.summary.skip("a revision"),
                other => self
                    .summary
                    .skip(format!("an item of the custom post type {other:?}")),
            }
            self.progress.advance();
        }
        Ok(())
    }

    /// A post or a page: each in its own transaction with its `import_map` row, skipped when
    /// the fingerprint of what was imported last time is unchanged.
    async fn content_item(&mut self, item: &Item, kind: Content) -> Result<()> {
        let wp_id = item.fields.get("wp:post_id").to_string();
        let (status, private) = match mapping::disposition(item.fields.get("wp:status")) {
            Disposition::Import(status) => (status, false),
            Disposition::Private => (Status::Archived, true),
            Disposition::Skip(reason) => {
                self.summary.skip(match kind {
                    Content::Post => reason.to_string(),
                    Content::Page => format!("{reason} (a page)"),
                });
                return Ok(());
            }
        };
        let print = fingerprint(item);
        let mut tx = self.begin().await?;
        let mapped = store::mapped_in(&mut tx, &self.source, kind.map_kind(), &wp_id).await?;
        if let Some(m) = &mapped
            && m.fingerprint == print
        {
            self.finish(tx).await?;
            self.summary.count(kind.label(), Outcome::Unchanged);
            if kind == Content::Post {
                self.note_links(m.local_id, item);
                self.note_sticky(m.local_id, item, status);
            }
            return Ok(());
        }
        let existing = mapped.as_ref().map(|m| m.local_id);
        let saved = match kind {
            Content::Post => self.save_post(&mut tx, item, status, existing).await,
            Content::Page => self.save_page(&mut tx, item, status, existing).await,
        };
        match saved {
            Ok(id) => {
                store::remember_in(&mut tx, &self.source, kind.map_kind(), &wp_id, id, &print)
                    .await?;
                self.finish(tx).await?;
                let outcome = if mapped.is_some() {
                    Outcome::Updated
                } else {
                    Outcome::Created
                };
                self.summary.count(kind.label(), outcome);
                if private {
                    self.summary.skip(
                        "a private post's or page's public address (imported as archived, which \
                         readers cannot open)",
                    );
                }
                if kind == Content::Post {
                    self.note_links(id, item);
                    self.note_sticky(id, item, status);
                }
            }
            Err(ImportError::Failed(e)) => {
                self.abandon(tx, &e)?;
                self.summary.problem(format!(
                    "{} {wp_id} “{}” (line {}): {e}",
                    kind.map_kind(),
                    mapping::plain(item.fields.get("title")),
                    item.line
                ));
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// The top of a page's tree (Broadsheet nests pages one level), by WordPress ids.
    fn top_page<'p>(&'p self, wp_id: &'p str) -> Option<&'p str> {
        let mut at = self.page_parents.get(wp_id)?.as_str();
        for _ in 0..MAX_CATEGORY_DEPTH {
            match self.page_parents.get(at) {
                Some(up) if up != wp_id => at = up,
                _ => break,
            }
        }
        Some(at)
    }

    async fn save_page(
        &mut self,
        tx: &mut Tx,
        item: &Item,
        status: Status,
        existing: Option<i64>,
    ) -> Result<i64> {
        let f = &item.fields;
        let wp_id = f.get("wp:post_id");
        let parent_wp = self.top_page(wp_id).map(str::to_string);
        let parent_id = match &parent_wp {
            Some(parent) => store::mapped_in(tx, &self.source, "page", parent)
                .await?
                .map(|m| m.local_id),
            None => None,
        };
        let title = mapping::headline(f.get("title"), wp_id);
        let wanted = mapping::article_slug(f.get("wp:post_name"), &title, wp_id);
        let page_slug = pages::free_slug_in(tx, parent_id, &wanted, existing).await?;
        if page_slug != wanted {
            self.summary.note(format!(
                "The page “{title}” is at …/{page_slug}: /{wanted} belongs to a section, the \
                 site or another page."
            ));
        }
        let published_at =
            mapping::instant(f.get("wp:post_date_gmt"), f.get("wp:post_date"), self.tz);
        let input = PageInput {
            parent_id,
            slug: page_slug,
            title,
            body: self.body(wp_id, f.get("content:encoded")),
            seo_title: mapping::plain(meta(item, "_yoast_wpseo_title")),
            seo_description: mapping::plain(meta(item, "_yoast_wpseo_metadesc")),
            published_at,
        };
        let outcome = workflow::Outcome {
            status,
            published_at: published_at.or(Some(self.now)),
        };
        let target = match existing {
            Some(id) => pages::Target::Existing(id),
            None => pages::Target::New {
                wanted: kept_id(tx, Keyed::Pages, wp_id).await?,
            },
        };
        let id = pages::save_in(tx, self.now, target, input, outcome, None).await?;
        if let (Some(parent), None) = (parent_wp, parent_id) {
            self.orphans.push((id, parent));
        }
        let path = pages::page_in(tx, id).await?.path();
        let mut keys = vec![format!("/?page_id={wp_id}")];
        keys.extend(self.redirect_target_key(f.get("link")).filter(|k| k != "/"));
        for key in keys {
            redirects::save_in(tx, &key, &path, self.now).await?;
        }
        Ok(id)
    }

    /// Pages imported before the page they sit under are moved under it once it is in.
    async fn adopt_orphans(&mut self) -> Result<()> {
        for (id, parent_wp) in std::mem::take(&mut self.orphans) {
            let mut tx = self.begin().await?;
            let Some(parent) = store::mapped_in(&mut tx, &self.source, "page", &parent_wp).await?
            else {
                self.finish(tx).await?;
                continue;
            };
            let page = pages::page_in(&mut tx, id).await?;
            let outcome = workflow::Outcome {
                status: page.status(),
                published_at: page.published_at,
            };
            let input = PageInput {
                parent_id: Some(parent.local_id),
                ..page.input()
            };
            match pages::save_in(
                &mut tx,
                self.now,
                pages::Target::Existing(id),
                input,
                outcome,
                None,
            )
            .await
            {
                Ok(_) => {
                    let moved = pages::page_in(&mut tx, id).await?.path();
                    redirects::retarget_in(&mut tx, &page.path(), &moved).await?;
                    self.finish(tx).await?;
                }
                Err(e) => {
                    self.abandon(tx, &e)?;
                    self.summary
                        .problem(format!("the page “{}” stays at the top: {e}", page.title));
                }
            }
        }
        Ok(())
    }

    /// Remembers a published sticky post, which WordPress shows first on the home page.
    fn note_sticky(&mut self, id: i64, item: &Item, status: Status) {
        let f = &item.fields;
        if f.get("wp:is_sticky") == "1" && status == Status::Published {
            let at = mapping::instant(f.get("wp:post_date_gmt"), f.get("wp:post_date"), self.tz);
            self.sticky.push((at.unwrap_or(self.now), id));
        }
    }

    /// Sticky posts lead the home page, the newest first, unless editors laid it out already.
    async fn feature_sticky(&mut self) -> Result<()> {
        if self.sticky.is_empty() {
            return Ok(());
        }
        self.sticky.sort_by(|a, b| b.cmp(a));
        let ids: Vec<i64> = self.sticky.iter().map(|(_, id)| *id).collect();
        let mut tx = self.begin().await?;
        let featured = fronts::feature_on_home_in(&mut tx, self.now, &ids).await?;
        self.finish(tx).await?;
        self.summary.note(if featured {
            format!(
                "{} sticky posts lead the home page (change it under Admin → Fronts).",
                ids.len()
            )
        } else {
            format!(
                "{} sticky posts were not put on the home page, which editors laid out already \
                 (Admin → Fronts).",
                ids.len()
            )
        });
        Ok(())
    }

    /// WordPress's attachment pages lead to the article the picture was uploaded to (following
    /// it if it moves), or else to the picture.
    async fn attachment_redirects(&mut self) -> Result<()> {
        let pages = std::mem::take(&mut self.attachment_pages);
        if pages.is_empty() || self.options.dry_run {
            return Ok(());
        }
        let posts: HashMap<String, i64> = store::all_of(self.db, &self.source, "post")
            .await?
            .into_iter()
            .collect();
        let mut tx = self.begin().await?;
        for page in pages {
            for address in &page.addresses {
                match posts.get(&page.parent) {
                    Some(article) => {
                        articles::keep_old_path_in(&mut tx, address, *article, self.now).await?;
                    }
                    None => {
                        let picture = format!("{LIBRARY_PREFIX}{}", page.media_id);
                        redirects::save_in(&mut tx, address, &picture, self.now).await?;
                    }
                }
            }
        }
        self.finish(tx).await
    }

    /// Remembers an article whose post links to other imported posts, for the third pass.
    fn note_links(&mut self, id: i64, item: &Item) {
        let content = item.fields.get("content:encoded");
        let links = !self.old_posts.is_empty()
            && content.contains("href")
            && link_targets(content)
                .filter_map(|href| self.redirect_target_key(href))
                .any(|key| self.old_posts.contains_key(&key));
        if links {
            self.linking.push(id);
        }
    }

    async fn save_post(
        &mut self,
        tx: &mut Tx,
        item: &Item,
        status: Status,
        existing: Option<i64>,
    ) -> Result<i64> {
        let f = &item.fields;
        let wp_id = f.get("wp:post_id");
        let published_at =
            mapping::instant(f.get("wp:post_date_gmt"), f.get("wp:post_date"), self.tz);
        let (section_id, extra_categories) = self.filing(tx, item).await?;
        let mut tag_ids: Vec<i64> = item
            .terms
            .iter()
            .filter(|t| t.domain == "post_tag")
            .filter_map(|t| self.tags.get(&t.nicename).copied())
            .collect();
        for (name, nicename) in extra_categories {
            let tag_slug = mapping::term_slug(&nicename, &name, "category");
            let tag = articles::ensure_tag_in(tx, &name, &tag_slug, "", None).await?;
            if tag.created {
                self.summary.count("tags", Outcome::Created);
            }
            tag_ids.push(tag.id);
        }
        let mut seen = std::collections::HashSet::new();
        tag_ids.retain(|id| seen.insert(*id));
        let author_ids: Vec<i64> = self
            .authors
            .get(f.get("dc:creator"))
            .copied()
            .into_iter()
            .collect();
        let doc = self.body(wp_id, f.get("content:encoded"));
        let lead = self.pictures.get(meta(item, "_thumbnail_id")).cloned();
        let headline = mapping::headline(f.get("title"), wp_id);
        let wanted = mapping::article_slug(f.get("wp:post_name"), &headline, wp_id);
        let article_slug = articles::free_slug_in(tx, section_id, &wanted, existing).await?;
        let input = ArticleInput {
            section_id,
            slug: article_slug,
            standfirst: mapping::standfirst(f.get("excerpt:encoded")),
            body: doc,
            lead_media_id: lead.as_ref().map(|p| p.media_id),
            lead_alt: lead
                .as_ref()
                .map(|p| p.alt.clone())
                .filter(|a| !a.is_empty())
                .unwrap_or_else(|| headline.clone()),
            lead_caption: lead.as_ref().map(|p| p.caption.clone()).unwrap_or_default(),
            lead_credit: String::new(),
            status,
            published_at,
            comments_open: f.get("wp:comment_status") != "closed",
            newsletter_topic: None,
            seo_title: mapping::plain(meta(item, "_yoast_wpseo_title")),
            seo_description: mapping::plain(meta(item, "_yoast_wpseo_metadesc")),
            tag_ids,
            author_ids,
            created_by: None,
            related_ids: Vec::new(),
            headline,
        };
        let id = match existing {
            Some(id) => {
                articles::update_article_in(tx, self.now, self.tz, id, input, Edit::default())
                    .await?;
                id
            }
            None => {
                let wanted = kept_id(tx, Keyed::Articles, wp_id).await?;
                articles::create_article_with_id_in(tx, self.now, input, wanted).await?
            }
        };
        let modified = mapping::instant(
            f.get("wp:post_modified_gmt"),
            f.get("wp:post_modified"),
            self.tz,
        );
        if let Some(changed) = modified.filter(|m| published_at.is_none_or(|p| *m >= p)) {
            articles::set_updated_at_in(tx, id, changed.min(self.now)).await?;
        }
        self.old_addresses(tx, item, id).await?;
        if let Some(at) = published_at.filter(|_| status == Status::Published) {
            let local = at.to_datetime().with_timezone(&self.tz);
            self.archives.insert((local.year(), local.month()));
        }
        self.comments(tx, item, id).await?;
        Ok(id)
    }

    /// The section a post is filed in (its first category's), and its other categories, which
    /// become tags since an article has one section.
    async fn filing(&mut self, tx: &mut Tx, item: &Item) -> Result<(i64, Vec<(String, String)>)> {
        let mut section = None;
        let mut extra = Vec::new();
        for term in item.terms.iter().filter(|t| t.domain == "category") {
            let known = self.sections.get(&term.nicename).map(|s| s.id);
            match (section, known) {
                (None, Some(id)) if term.nicename != "uncategorized" => section = Some(id),
                _ if term.nicename == "uncategorized" => {}
                _ => extra.push((mapping::plain(&term.name), term.nicename.clone())),
            }
        }
        let id = match section {
            Some(id) => id,
            None => self.default_section_in(tx).await?,
        };
        Ok((id, extra))
    }

    /// A post's content in the document model, its pictures moved to the library.
    fn body(&self, wp_id: &str, content: &str) -> String {
        let gallery = |ids: &[i64]| -> Vec<GalleryImage> {
            let wanted: Vec<String> = if ids.is_empty() {
                self.attached.get(wp_id).cloned().unwrap_or_default()
            } else {
                ids.iter().map(i64::to_string).collect()
            };
            wanted
                .iter()
                .filter_map(|id| self.pictures.get(id))
                .map(|p| GalleryImage {
                    src: format!("{LIBRARY_PREFIX}{}", p.media_id),
                    alt: p.alt.clone(),
                    caption: p.caption.clone(),
                })
                .collect()
        };
        let doc = body::from_wordpress(content, &gallery);
        body::map_urls(&doc, &mut |use_, url| match use_ {
            UrlUse::Image => mapping::upload_file(url)
                .and_then(|file| self.uploads.get(&file))
                .map(|id| format!("{LIBRARY_PREFIX}{id}")),
            UrlUse::Link => None,
        })
    }

    /// The post's old permalink and `/?p=ID` answer with the article.
    async fn old_addresses(&mut self, tx: &mut Tx, item: &Item, id: i64) -> Result<()> {
        let wp_id = item.fields.get("wp:post_id");
        let mut keys = vec![format!("/?p={wp_id}")];
        if let Some(key) = self.redirect_target_key(item.fields.get("link"))
            && key != "/"
        {
            keys.push(key);
        }
        for key in keys {
            articles::keep_old_path_in(tx, &key, id, self.now).await?;
        }
        Ok(())
    }

    async fn comments(&mut self, tx: &mut Tx, item: &Item, article_id: i64) -> Result<()> {
        let mut ordered: Vec<&wxr::Comment> = item.comments.iter().collect();
        ordered.sort_by_key(|c| c.fields.get("wp:comment_id").parse::<i64>().unwrap_or(0));
        let mut placed: HashMap<String, (i64, i64)> = HashMap::new();
        let arrival = Arrival {
            user_agent: String::new(),
            accept_language: false,
            referer: false,
            fill_seconds: None,
        };
        for comment in ordered {
            let f = &comment.fields;
            let wp_id = f.get("wp:comment_id").to_string();
            let status =
                match mapping::comment_fate(f.get("wp:comment_approved"), f.get("wp:comment_type"))
                {
                    CommentFate::Import(status) => status,
                    CommentFate::Skip(reason) => {
                        self.summary.skip(reason);
                        continue;
                    }
                };
            let key = format!("{}#{wp_id}", item.fields.get("wp:post_id"));
            let parent = placed.get(f.get("wp:comment_parent")).copied();
            if let Some(m) = store::mapped_in(tx, &self.source, "comment", &key).await? {
                let depth = parent.map_or(1, |p| p.1 + 1);
                placed.insert(wp_id, (m.local_id, depth));
                self.summary.count("comments", Outcome::Unchanged);
                continue;
            }
            let Some(created_at) = mapping::instant(
                f.get("wp:comment_date_gmt"),
                f.get("wp:comment_date"),
                self.tz,
            ) else {
                self.summary.skip("a comment without a date");
                continue;
            };
            let text = mapping::comment_text(f.get("wp:comment_content"));
            if text.is_empty() {
                self.summary.skip("an empty comment");
                continue;
            }
            let name = mapping::plain(f.get("wp:comment_author"));
            let depth = parent.map_or(1, |p| p.1 + 1);
            let kept = kept_id(tx, Keyed::Comments, &wp_id).await?;
            let id = comments::import_in(
                tx,
                &Imported {
                    article_id,
                    parent_id: parent.map(|p| p.0),
                    depth,
                    name: if name.is_empty() { "Anonymous" } else { &name },
                    email: f.get("wp:comment_author_email"),
                    url: f.get("wp:comment_author_url"),
                    body: &text,
                    status,
                    created_at,
                    ip: f.get("wp:comment_author_IP"),
                    arrival: &arrival,
                    train: false,
                    id: kept,
                },
            )
            .await?;
            store::remember_in(tx, &self.source, "comment", &key, id, "").await?;
            placed.insert(wp_id, (id, depth));
            self.summary.count("comments", Outcome::Created);
        }
        comments::recount_in(tx, article_id).await?;
        Ok(())
    }

    // ---- pass 3 ----

    /// Links between imported posts lead to the articles' new addresses (which a dry run,
    /// having written no article, has none of).
    async fn links(&mut self) -> Result<()> {
        if self.linking.is_empty() || self.options.dry_run {
            return Ok(());
        }
        self.progress
            .pass("Linking articles", Some(self.linking.len() as u64));
        let posts: HashMap<String, i64> = store::all_of(self.db, &self.source, "post")
            .await?
            .into_iter()
            .collect();
        for id in std::mem::take(&mut self.linking) {
            let doc = articles::body(self.db, id).await?;
            let mut targets: HashMap<String, String> = HashMap::new();
            for href in body_links(&doc) {
                let Some(key) = self.redirect_target_key(&href) else {
                    continue;
                };
                let Some(article) = self.old_posts.get(&key).and_then(|wp| posts.get(wp)) else {
                    continue;
                };
                if let Some(path) =
                    articles::permalink(self.db, self.now, self.tz, *article).await?
                {
                    targets.insert(href, path);
                }
            }
            let mapped = body::map_urls(&doc, &mut |use_, url| match use_ {
                UrlUse::Link => targets.get(url).cloned(),
                UrlUse::Image => None,
            });
            let mut tx = self.begin().await?;
            articles::set_body_in(&mut tx, id, &mapped).await?;
            self.finish(tx).await?;
            self.progress.advance();
        }
        Ok(())
    }

    /// WordPress's date archives (`/2024/05/`, `/2024/`) answer with Broadsheet's.
    async fn archive_redirects(&mut self) -> Result<()> {
        let mut tx = self.begin().await?;
        for (year, month) in std::mem::take(&mut self.archives) {
            let target = format!("/archive/{year}/{month:02}");
            redirects::save_in(&mut tx, &format!("/{year}/{month:02}"), &target, self.now).await?;
            redirects::save_in(
                &mut tx,
                &format!("/{year}"),
                &format!("/archive/{year}"),
                self.now,
            )
            .await?;
        }
        self.finish(tx).await
    }
}

/// The addresses `href="…"` points at in raw content, for a quick look before the third pass.
fn link_targets(content: &str) -> impl Iterator<Item = &str> {
    content.split("href=").skip(1).filter_map(|rest| {
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let inner = &rest[1..];
        inner.find(quote).map(|end| &inner[..end])
    })
}

/// The link addresses of a canonical document.
fn body_links(doc: &str) -> Vec<String> {
    let mut found = Vec::new();
    body::map_urls(doc, &mut |use_, url| {
        if use_ == UrlUse::Link {
            found.push(url.to_string());
        }
        None
    });
    found
}

fn read_limited(file: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(file)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::other("the file is larger than 64 MiB"));
    }
    Ok(bytes)
}

/// The id a thing had in the export, when it is a plain number and free here: an import into
/// a new site keeps WordPress's ids, so the links partners stored still name the same things.
async fn kept_id(tx: &mut Tx, table: Keyed, source_id: &str) -> Result<Option<i64>> {
    let Ok(id) = source_id.trim().parse::<i64>() else {
        return Ok(None);
    };
    Ok(if id > 0 && tx.id_is_free(table, id).await? {
        Some(id)
    } else {
        None
    })
}
