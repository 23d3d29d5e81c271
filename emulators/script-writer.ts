// Plausible content for OpenAI chat completions: reads the topic and the wanted length from the prompt,
// then fills a JSON schema (structured outputs) or writes plain text. Deterministic per prompt.
import { pick, seededRandom } from "./ids";

export interface WritingContext {
  topic: string;
  /** Characters of narration the prompt asks for (about 15 characters per spoken second). */
  targetChars: number;
  rng: () => number;
}

const CHARS_PER_SECOND = 15;

export function writingContext(prompt: string, userText: string): WritingContext {
  return {
    topic: extractTopic(userText || prompt),
    targetChars: extractTargetChars(userText, prompt),
    rng: seededRandom(prompt),
  };
}

function extractTopic(text: string): string {
  const patterns = [
    /\btopic\s*[:=]\s*["“']?([^"”'\n]{2,120})/i,
    /\b(?:about|on)\s+["“']([^"”'\n]{2,120})["”']/i,
    /["“]([^"”\n]{3,120})["”]/,
    /\babout\s+([^.\n]{3,80})/i,
  ];
  for (const pattern of patterns) {
    const match = text.match(pattern)?.[1];
    if (match) return clean(match);
  }
  const firstLine = text.split("\n").find((line) => line.trim()) ?? "this topic";
  return clean(firstLine.slice(0, 80));
}

function clean(text: string): string {
  return text.trim().replace(/[.!?,;:]+$/, "") || "this topic";
}

function extractTargetChars(userText: string, prompt: string): number {
  for (const text of [userText, prompt]) {
    const minutes = text.match(/(\d+(?:\.\d+)?)\s*-?\s*(?:minutes?|mins?)\b/i);
    if (minutes?.[1]) return clampChars(Number(minutes[1]) * 60 * CHARS_PER_SECOND);
    const seconds = text.match(/(\d+)\s*-?\s*(?:seconds?|secs?)\b/i);
    if (seconds?.[1]) return clampChars(Number(seconds[1]) * CHARS_PER_SECOND);
    const words = text.match(/(\d[\d,]*)\s*words\b/i);
    if (words?.[1]) return clampChars(Number(words[1].replace(/,/g, "")) * 6);
    const chars = text.match(/(\d[\d,]*)\s*(?:characters|chars)\b/i);
    if (chars?.[1]) return clampChars(Number(chars[1].replace(/,/g, "")));
    if (/\bshorts?\b/i.test(text)) return 60 * CHARS_PER_SECOND;
  }
  return 60 * CHARS_PER_SECOND;
}

const clampChars = (chars: number) => Math.min(60_000, Math.max(200, Math.round(chars)));

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const OPENERS = [
  "Have you ever wondered why {topic} matters more than most people think?",
  "Here is something almost nobody tells you about {topic}.",
  "In the next few minutes, you will see {topic} in a completely new way.",
  "Most people get {topic} wrong, and the reason is surprisingly simple.",
];

const BODY = [
  "To understand {topic}, we first need to look at where it all started.",
  "Researchers estimate that around {n} percent of people have never thought about this closely.",
  "The first thing to notice is how small changes add up over time.",
  "What makes {topic} fascinating is that the obvious explanation is only half the story.",
  "Think of it like a chain reaction: one step quietly sets up the next.",
  "Experts point to three factors, and the second one is the most overlooked.",
  "In {year}, a small group of enthusiasts noticed a pattern that changed everything.",
  "That is where things get interesting, because the numbers tell a different story.",
  "If you slow down and look closely, you start to see the details that matter.",
  "This is not just theory; you can see it in everyday life once you know where to look.",
  "A simple example makes it clear: imagine doing the same thing every day for a year.",
  "The result is roughly {n} times more effective than the usual approach.",
  "Of course, there are trade-offs, and it is worth being honest about them.",
  "Here is the practical takeaway you can use today.",
  "Many beginners skip this step, and it costs them more than they realise.",
  "The surprising part is how little effort the right approach actually takes.",
  "Let us break that down into something you can remember.",
  "History shows that the people who understood {topic} early had a real advantage.",
];

const CLOSERS = [
  "So the next time {topic} comes up, you will know exactly what is going on.",
  "If this changed how you think about {topic}, subscribe for more stories like this one.",
  "Let me know in the comments what surprised you most.",
];

function shuffle<T>(items: readonly T[], rng: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const STOPWORDS = new Set([
  "the",
  "and",
  "for",
  "with",
  "about",
  "from",
  "how",
  "why",
  "what",
  "this",
  "that",
  "are",
  "was",
  "its",
]);

function fill(template: string, ctx: WritingContext): string {
  return template
    .replaceAll("{topic}", ctx.topic)
    .replaceAll("{n}", String(10 + Math.floor(ctx.rng() * 80)))
    .replaceAll("{year}", String(1950 + Math.floor(ctx.rng() * 70)));
}

/** Spoken narration of about `chars` characters, in sentences and paragraphs. */
export function narration(
  ctx: WritingContext,
  chars: number,
  options: { open?: boolean; close?: boolean } = {},
): string {
  const sentences: string[] = [];
  let length = 0;
  const push = (sentence: string) => {
    sentences.push(sentence);
    length += sentence.length + 1;
  };
  if (options.open !== false) push(capitalise(fill(pick(ctx.rng, OPENERS), ctx)));
  const closer = options.close !== false ? capitalise(fill(pick(ctx.rng, CLOSERS), ctx)) : "";
  // Walk a shuffled copy of the body sentences so none repeats until all have been used.
  let deck: string[] = [];
  while (length + closer.length < chars - 40) {
    if (deck.length === 0) deck = shuffle(BODY, ctx.rng);
    push(capitalise(fill(deck.pop() ?? "", ctx)));
  }
  if (closer) push(closer);
  const paragraphs: string[] = [];
  for (let i = 0; i < sentences.length; i += 4) paragraphs.push(sentences.slice(i, i + 4).join(" "));
  return paragraphs.join("\n\n");
}

export function title(ctx: WritingContext, maxLength = 70): string {
  const Topic = ctx.topic.replace(/\b\w/g, (c) => c.toUpperCase());
  const options = [
    `${Topic}: What Nobody Tells You`,
    `The Surprising Truth About ${Topic}`,
    `${Topic} Explained in Plain English`,
    `Why ${Topic} Changes Everything`,
  ];
  return truncate(pick(ctx.rng, options), maxLength);
}

export function description(ctx: WritingContext, maxLength = 600): string {
  const text = [
    `Everything you need to know about ${ctx.topic}, explained simply.`,
    `In this video we look at where ${ctx.topic} comes from, why it matters and what you can do with it today.`,
    "Subscribe for more short explainers.",
  ].join(" ");
  return truncate(text, maxLength);
}

export function tags(ctx: WritingContext, count: number): string[] {
  const words = ctx.topic
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 2 && !STOPWORDS.has(w));
  const candidates = [
    ctx.topic.toLowerCase(),
    ...words,
    "explained",
    "facts",
    "education",
    "documentary",
    "how it works",
    "shorts",
  ];
  return [...new Set(candidates)].slice(0, Math.max(1, count));
}

export function imagePrompt(ctx: WritingContext, index: number): string {
  const shots = [
    "Cinematic wide shot",
    "Close-up detail",
    "Aerial view",
    "Soft-lit studio shot",
    "Dramatic low-angle shot",
  ];
  const shot = shots[index % shots.length] ?? "Cinematic shot";
  return `${shot} illustrating ${ctx.topic}, vivid colours, high detail, 16:9`;
}

export function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const cut = text.slice(0, maxLength);
  const space = cut.lastIndexOf(" ");
  return (space > maxLength / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, "");
}

/** A plain-text answer for chat completions without a response format. */
export function plainAnswer(ctx: WritingContext): string {
  return narration(ctx, Math.min(ctx.targetChars, 1200));
}
