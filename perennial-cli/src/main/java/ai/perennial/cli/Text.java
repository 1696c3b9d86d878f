package ai.perennial.cli;

/** Making text from configs, paths and data safe for the terminal, HTML and markdown. */
public final class Text {
    private Text() {
    }

    /**
     * {@code s} with every control character (terminal escapes, NUL, line breaks) and bidirectional override shown as
     * {@code \\u001B} etc., so echoing user input can neither drive the terminal nor break a one-line message.
     */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069')) {
                b.append(String.format("\\u%04X", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Printable text escaped for HTML element content and quoted attributes. */
    public static String html(String s) {
        return printable(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
                .replace("\"", "&quot;");
    }

    /** Printable text that renders literally in markdown, table cells included (no emphasis, links, HTML or cell breaks). */
    public static String markdown(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : printable(s).toCharArray()) {
            if ("\\`*_[]<>|".indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }
}
