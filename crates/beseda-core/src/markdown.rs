//! A plain-text rendering of Markdown for clients that show text only: emphasis, code and
//! heading markers are dropped; links become `label (url)` (or just the label when asked).

/// Plain text of `markdown`; with `link_targets`, links keep their URL in parentheses.
pub fn to_plain(markdown: &str, link_targets: bool) -> String {
    let mut out = String::with_capacity(markdown.len());
    let chars: Vec<char> = markdown.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' | '_' | '`' | '~' => {}
            '#' if i == 0 || chars[i - 1] == '\n' || chars[i - 1] == '#' => {
                while chars.get(i + 1) == Some(&' ') {
                    i += 1;
                }
            }
            '[' => {
                // [label](url)
                let close = chars[i..].iter().position(|c| *c == ']').map(|p| p + i);
                let target = close
                    .filter(|c| chars.get(c + 1) == Some(&'('))
                    .and_then(|c| chars[c + 2..].iter().position(|ch| *ch == ')').map(|p| (c, c + 2 + p)));
                match target {
                    Some((close, end)) => {
                        let label: String = chars[i + 1..close].iter().filter(|c| !"*_`~".contains(**c)).collect();
                        let url: String = chars[close + 2..end].iter().collect();
                        out.push_str(&label);
                        if link_targets && url != label {
                            out.push_str(&format!(" ({url})"));
                        }
                        i = end;
                    }
                    None => out.push('['),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::to_plain;

    #[test]
    fn markdown_to_plain() {
        assert_eq!(to_plain("**Hi**, see [docs](https://x.y) _now_", false), "Hi, see docs now");
        assert_eq!(
            to_plain("**Готово.** Заказ [№ 123](https://shop.example.com/o/123)", true),
            "Готово. Заказ № 123 (https://shop.example.com/o/123)"
        );
        assert_eq!(to_plain("# Title\n~~old~~ `code`", true), "Title\nold code");
        assert_eq!(to_plain("a [b] c", true), "a [b] c");
    }
}
