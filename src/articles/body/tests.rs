use proptest::prelude::*;

use super::*;

/// A document with every element of the schema, in canonical form.
pub const EVERY_ELEMENT: &str = include_str!("../../../tests/fixtures/body-every-element.html");

#[test]
fn the_canonical_form_is_a_fixed_point() {
    assert_eq!(from_html(EVERY_ELEMENT), EVERY_ELEMENT);
}

#[test]
fn markdown_out_and_back_loses_nothing() {
    let markdown = to_markdown(EVERY_ELEMENT);
    assert!(markdown.contains("## Subhead"), "{markdown}");
    assert!(markdown.contains("**bold**"), "{markdown}");
    assert!(markdown.contains("- one"), "{markdown}");
    assert!(markdown.contains("  3. three"), "{markdown}");
    assert_eq!(from_markdown(&markdown), EVERY_ELEMENT, "{markdown}");
}

#[test]
fn markdown_in() {
    let doc = from_markdown(
        "# Title\n\nHello *world*, \"quoted\" -- [x](/y).\n\n> A quote\n\n* a\n* b\n\n![Alt](/media/ab/cd.jpg)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    );
    assert_eq!(
        doc,
        concat!(
            "<h2>Title</h2>\n",
            "<p>Hello <em>world</em>, “quoted” – <a href=\"/y\">x</a>.</p>\n",
            "<blockquote>\n<p>A quote</p>\n</blockquote>\n",
            "<ul>\n<li>\n<p>a</p>\n</li>\n<li>\n<p>b</p>\n</li>\n</ul>\n",
            "<figure class=\"image\" data-size=\"inline\"><img src=\"/media/ab/cd.jpg\" alt=\"Alt\"></figure>\n",
            "<table>\n<tbody>\n<tr><th>a</th><th>b</th></tr>\n<tr><td>1</td><td>2</td></tr>\n</tbody>\n</table>\n",
        )
    );
}

#[test]
fn a_paste_from_google_docs_keeps_its_meaning_and_drops_its_styles() {
    let paste = r#"<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1234"><h1 dir="ltr" style="line-height:1.38"><span style="font-size:20pt;font-weight:400">Council votes</span></h1><p dir="ltr" style="line-height:1.38;margin-top:0pt"><span style="font-size:11pt;font-family:Arial;color:#000000;font-weight:400;">The vote was </span><span style="font-size:11pt;font-weight:700;">close</span><span style="font-size:11pt;font-style:italic;font-weight:400"> and late</span><span>.</span></p><br><ul><li dir="ltr"><p dir="ltr"><span>First</span></p></li></ul></b>"#;
    assert_eq!(
        from_html(paste),
        "<h2>Council votes</h2>\n<p>The vote was <strong>close</strong> <em>and late</em>.</p>\n<ul>\n<li>\n<p>First</p>\n</li>\n</ul>\n"
    );
}

#[test]
fn a_paste_from_word_loses_its_office_markup() {
    let paste = r#"<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{margin:0}</style></head><body lang=EN-GB><div class=WordSection1><p class=MsoNormal><b><span lang=EN-US>Budget</span></b><span lang=EN-US> talks <i>resume</i><o:p></o:p></span></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoListParagraph style='mso-list:l0 level1 lfo1'>Next steps</p></div></body></html>"#;
    assert_eq!(
        from_html(paste),
        "<p><strong>Budget</strong> talks <em>resume</em></p>\n<p>Next steps</p>\n"
    );
}

#[test]
fn wordpress_blocks_become_the_schema() {
    let post = r#"<!-- wp:paragraph --><p>Intro</p><!-- /wp:paragraph -->
<!-- wp:image {"id":616} --><figure class="wp-block-image size-full alignwide"><img src="https://wp.example/a.jpg" alt="A" class="wp-image-616"/><figcaption class="wp-element-caption">Golden Gate</figcaption></figure><!-- /wp:image -->
<!-- wp:pullquote --><figure class="wp-block-pullquote"><blockquote><p>Pulled</p><cite>Reviewer</cite></blockquote></figure><!-- /wp:pullquote -->
<!-- wp:embed --><figure class="wp-block-embed is-type-video is-provider-youtube"><div class="wp-block-embed__wrapper">
https://youtu.be/dQw4w9WgXcQ
</div></figure><!-- /wp:embed -->
<!-- wp:table --><figure class="wp-block-table"><table class=""><tbody><tr><td>Cell #5<br></td><td>Cell #6</td></tr></tbody></table><figcaption class="wp-element-caption">Table caption</figcaption></figure><!-- /wp:table -->
<!-- wp:gallery --><figure class="wp-block-gallery has-nested-images"><figure class="wp-block-image"><img src="https://wp.example/b.jpg" alt="B"/></figure><figure class="wp-block-image"><img src="https://wp.example/c.jpg" alt="C"/><figcaption>Sea</figcaption></figure></figure>
<p>classic <iframe src="https://www.youtube.com/embed/abcdefghijk" width="560"></iframe> text</p>
<!-- wp:audio --><figure class="wp-block-audio"><audio controls src="https://x.example/a.mp3"></audio></figure><!-- /wp:audio -->"#;
    assert_eq!(
        from_html(post),
        concat!(
            "<p>Intro</p>\n",
            "<figure class=\"image\" data-size=\"wide\"><img src=\"https://wp.example/a.jpg\" alt=\"A\"><figcaption>Golden Gate</figcaption></figure>\n",
            "<blockquote class=\"pull-quote\">\n<p>Pulled</p>\n<cite>Reviewer</cite>\n</blockquote>\n",
            "<figure class=\"embed\"><a href=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ\">https://www.youtube.com/watch?v=dQw4w9WgXcQ</a></figure>\n",
            "<table>\n<tbody>\n<tr><td>Cell #5</td><td>Cell #6</td></tr>\n</tbody>\n</table>\n",
            "<p>Table caption</p>\n",
            "<figure class=\"gallery\">\n<figure class=\"image\" data-size=\"inline\"><img src=\"https://wp.example/b.jpg\" alt=\"B\"></figure>\n<figure class=\"image\" data-size=\"inline\"><img src=\"https://wp.example/c.jpg\" alt=\"C\"><figcaption>Sea</figcaption></figure>\n</figure>\n",
            "<p>classic</p>\n",
            "<figure class=\"embed\"><a href=\"https://www.youtube.com/watch?v=abcdefghijk\">https://www.youtube.com/watch?v=abcdefghijk</a></figure>\n",
            "<p>text</p>\n",
        )
    );
}

#[test]
fn stray_text_gets_a_paragraph_and_empty_blocks_go() {
    assert_eq!(
        from_html("Hello <b>world</b>\n<div>Second</div><p> </p><ul></ul><h2><br></h2>"),
        "<p>Hello <strong>world</strong></p>\n<p>Second</p>\n"
    );
    assert_eq!(from_html(""), "");
    assert_eq!(from_html("<p><strong></strong></p>"), "");
}

#[test]
fn white_space_collapses_and_marks_do_not_hold_it() {
    assert_eq!(
        from_html("<p>  a \n <b>b </b>c<br><br><br>d<br></p>"),
        "<p>a <strong>b</strong> c<br><br>d</p>\n"
    );
}

#[test]
fn hostile_html_comes_out_inert() {
    let vectors = include_str!("../../../tests/fixtures/xss-vectors.txt");
    for vector in vectors.lines() {
        let doc = from_html(vector);
        assert_schema_only(&doc);
        assert_eq!(from_html(&doc), doc, "not a fixed point: {vector}");
        let page = render(&doc, Target::Page, &|_| Some((800, 600)));
        assert!(
            !page.contains("<script") && !page.contains("=\"javascript:"),
            "{page}"
        );
    }
}

/// Every tag of `doc` is one of the schema's, every attribute one it names, and no URL runs
/// script.
fn assert_schema_only(doc: &str) {
    const TAGS: &[&str] = &[
        "p",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "blockquote",
        "cite",
        "figure",
        "figcaption",
        "img",
        "small",
        "a",
        "table",
        "caption",
        "tbody",
        "tr",
        "th",
        "td",
        "hr",
        "aside",
        "pre",
        "code",
        "strong",
        "em",
        "s",
        "sub",
        "sup",
        "br",
    ];
    const ATTRS: &[&str] = &[
        "href",
        "title",
        "src",
        "alt",
        "class",
        "data-size",
        "data-focal",
        "start",
        "colspan",
        "rowspan",
    ];
    for token in tokens::tokens(doc) {
        if let tokens::Token::Start { name, attrs } = token {
            assert!(TAGS.contains(&name.as_str()), "<{name}> in {doc}");
            for (n, v) in attrs {
                assert!(ATTRS.contains(&n.as_str()), "{n} in {doc}");
                if n == "href" || n == "src" {
                    let v = v.to_ascii_lowercase();
                    assert!(
                        v.starts_with("http")
                            || v.starts_with('/')
                            || v.starts_with('#')
                            || v.starts_with("mailto:")
                            || v.starts_with("tel:"),
                        "{n}={v}"
                    );
                }
            }
        }
    }
}

#[test]
fn deep_nesting_neither_overflows_nor_slows_down() {
    let depth = 20_000;
    let html = format!(
        "{}x{}",
        "<div><b>".repeat(depth),
        "</b></div>".repeat(depth)
    );
    let started = std::time::Instant::now();
    assert_eq!(from_html(&html), "<p><strong>x</strong></p>\n");
    let nested_lists = format!(
        "{}y{}",
        "<ul><li>".repeat(2_000),
        "</li></ul>".repeat(2_000)
    );
    let doc = from_html(&nested_lists);
    assert_eq!(from_html(&doc), doc);
    assert!(started.elapsed().as_secs() < 10);
}

#[test]
fn the_page_shows_library_images_at_every_width_and_embeds_on_request() {
    let page = render(EVERY_ELEMENT, Target::Page, &|id| {
        (id == 7).then_some((1200, 800))
    });
    assert!(page.contains("<img src=\"/images/v2/raw/media:7?width=700&amp;fit=scale-down&amp;quality=high\" srcset=\"/images/v2/raw/media:7?width=320"), "{page}");
    assert!(
        page.contains("width=\"1200\" height=\"800\" loading=\"lazy\""),
        "{page}"
    );
    assert!(page.contains("<img src=\"/images/v2/raw/media:8?width=700&amp;fit=scale-down&amp;quality=high\" srcset="), "unknown dimensions: still sized");
    assert!(
        page.contains("data-embed-player=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ\"")
    );
    assert!(
        !page.contains("<iframe"),
        "no third party until the reader asks"
    );
    assert!(
        page.contains("<thead>\n<tr><th>Party</th><th>Seats</th></tr>\n</thead>\n<tbody>"),
        "{page}"
    );
    assert!(page.contains("rel=\"noopener\""));

    let mail = render(
        EVERY_ELEMENT,
        Target::Email {
            base: "https://news.example/",
        },
        &|_| Some((1200, 800)),
    );
    assert!(
        mail.contains("src=\"https://news.example/images/v2/raw/media:7?width=600"),
        "{mail}"
    );
    assert!(mail.contains("View on YouTube: https://www.youtube.com/watch?v=dQw4w9WgXcQ"));
    assert!(!mail.contains("<button"));

    let text = plain_text(EVERY_ELEMENT);
    assert!(
        text.starts_with("Subhead\nSmaller\nSmallest\nPlain, bold, italic, a link"),
        "{text}"
    );
    assert!(text.contains("3 < 4."), "{text}");
    assert_eq!(word_count("<p>Three short words</p>\n"), 3);
}

/// A document of random blocks of the schema, for the round-trip properties.
fn documents() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "news",
        "a",
        "Zoë",
        "\"quote\"",
        "it's",
        "1.",
        "#tag",
        "-",
        "--",
        "*",
        "_x_",
        "[x]",
        "<b>",
        "&amp;",
        "a|b",
        "x\\y",
        "`",
        "...",
        "2)",
        "+",
        "=",
        "~",
        "\u{a0}",
    ]);
    let text = prop::collection::vec(word, 1..6).prop_map(|w| w.join(" "));
    let inline = prop_oneof![
        text.clone(),
        text.clone().prop_map(|t| format!("<strong>{t}</strong>")),
        text.clone().prop_map(|t| format!("<em>{t}</em> after")),
        text.clone()
            .prop_map(|t| format!("<a href=\"/x?a=1&amp;b=2\">{t}</a>")),
        text.clone().prop_map(|t| format!("<code>{t}</code>")),
        text.clone().prop_map(|t| format!("a<br>{t}")),
        text.clone().prop_map(|t| format!("<sup>{t}</sup>")),
    ];
    let para = prop::collection::vec(inline, 1..4).prop_map(|i| i.join(" "));
    let block = prop_oneof![
        para.clone().prop_map(|p| format!("<p>{p}</p>")),
        para.clone().prop_map(|p| format!("<h3>{p}</h3>")),
        para.clone().prop_map(|p| format!("<ul><li>{p}</li><li><p>{p}</p><ol><li>{p}</li></ol></li></ul>")),
        para.clone().prop_map(|p| format!("<blockquote><p>{p}</p></blockquote>")),
        para.clone().prop_map(|p| format!("<blockquote class=\"pull-quote\"><p>{p}</p></blockquote>")),
        para.clone().prop_map(|p| format!("<aside class=\"note\"><p>{p}</p></aside>")),
        para.clone().prop_map(|p| format!("<table><tr><th>{p}</th><td>{p}</td></tr></table>")),
        text.clone().prop_map(|t| format!("<figure class=\"image\" data-size=\"full\"><img src=\"/a.jpg\" alt=\"{t}\"><figcaption>{t}</figcaption></figure>")),
        text.clone().prop_map(|t| format!("<pre>{t}\n  indented</pre>")),
        Just("<hr>".to_string()),
    ];
    prop::collection::vec(block, 1..6).prop_map(|b| b.join("\n"))
}

proptest! {
    #[test]
    fn normalising_is_idempotent_and_markdown_round_trips(html in documents()) {
        let doc = from_html(&html);
        prop_assert_eq!(from_html(&doc), doc.clone());
        let markdown = to_markdown(&doc);
        prop_assert_eq!(from_markdown(&markdown), doc, "markdown was {}", markdown);
    }

    #[test]
    fn any_input_gives_schema_only_output(input in ".{0,300}") {
        let doc = from_html(&input);
        assert_schema_only(&doc);
        prop_assert_eq!(from_html(&doc), doc);
    }
}

#[test]
fn a_newsletter_quotes_the_opening_paragraphs_with_their_styles_inline() {
    let doc = "<p>One <a href=\"/x\">link</a></p>\n<ul>\n<li>\n<p>not this</p>\n</li>\n</ul>\n<p>Two</p>\n<p>Three</p>\n";
    let opening = opening(doc, 2);
    assert_eq!(opening, "<p>One <a href=\"/x\">link</a></p>\n<p>Two</p>\n");
    let mail = render(
        &opening,
        Target::Email {
            base: "https://news.example",
        },
        &|_| None,
    );
    assert!(mail.starts_with("<p style=\"margin: 0 0 12px;"), "{mail}");
    assert!(
        mail.contains("<a href=\"https://news.example/x\">link</a>"),
        "{mail}"
    );
}
