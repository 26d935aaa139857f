// The embed providers the page's card names (the same list as src/articles/body/embeds.rs).
const PROVIDERS = [
  [/(^|\.)(youtube\.com|youtu\.be|youtube-nocookie\.com)$/, "YouTube"],
  [/(^|\.)vimeo\.com$/, "Vimeo"],
  [/(^|\.)(x\.com|twitter\.com)$/, "X"],
  [/(^|\.)instagram\.com$/, "Instagram"],
  [/(^|\.)(facebook\.com|fb\.watch)$/, "Facebook"],
  [/(^|\.)tiktok\.com$/, "TikTok"],
  [/(^|\.)bsky\.app$/, "Bluesky"],
  [/(^|\.)threads\.net$/, "Threads"],
  [/(^|\.)soundcloud\.com$/, "SoundCloud"],
  [/^open\.spotify\.com$/, "Spotify"],
];

/// The provider's name for `url`, or null for a page the card does not know.
export function provider(url) {
  let host;
  try {
    host = new URL(url).hostname;
  } catch {
    return null;
  }
  const found = PROVIDERS.find(([pattern]) => pattern.test(host));
  return found ? found[1] : null;
}
