/** The stderr line rss-preload.js prints at exit, shared with the parser (importing the preload itself would install its exit hook). */
export const MAX_RSS_MARKER = 'wpha-bench max-rss-kb=';
