//! The syntax tree of an ECMAScript `v`-flag pattern, and its parser.

use super::set::{Set, digit, dot, property, space, word};
use super::unsupported::{Unsupported, unsupported};

#[derive(Debug)]
pub(super) enum Node {
    Empty,
    Set(Set),
    Concat(Vec<Node>),
    Alternation(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
    Start,
    End,
    WordBoundary,
    NotWordBoundary,
}

pub(super) struct Parser {
    pub(super) chars: Vec<char>,
    pub(super) pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        let n = s.chars().count();
        if self.chars.len() >= self.pos + n
            && s.chars().zip(&self.chars[self.pos..]).all(|(a, &b)| a == b)
        {
            self.pos += n;
            true
        } else {
            false
        }
    }

    fn next(&mut self) -> Result<char, Unsupported> {
        let c = self
            .peek()
            .ok_or_else(|| Unsupported("the pattern ends early".into()))?;
        self.pos += 1;
        Ok(c)
    }

    fn expect(&mut self, c: char) -> Result<(), Unsupported> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(Unsupported(format!(
                "expected `{c}` at character {}",
                self.pos + 1
            )))
        }
    }

    pub(super) fn disjunction(&mut self) -> Result<Node, Unsupported> {
        let mut alternatives = vec![self.alternative()?];
        while self.eat('|') {
            alternatives.push(self.alternative()?);
        }
        Ok(if alternatives.len() == 1 {
            alternatives.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alternation(alternatives)
        })
    }

    fn alternative(&mut self) -> Result<Node, Unsupported> {
        let mut terms = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            terms.push(self.term()?);
        }
        Ok(match terms.len() {
            0 => Node::Empty,
            1 => terms.pop().unwrap_or(Node::Empty),
            _ => Node::Concat(terms),
        })
    }

    fn term(&mut self) -> Result<Node, Unsupported> {
        let atom = match self.next()? {
            '^' => return Ok(Node::Start),
            '$' => return Ok(Node::End),
            '\\' if self.eat('b') => return Ok(Node::WordBoundary),
            '\\' if self.eat('B') => return Ok(Node::NotWordBoundary),
            '(' => self.group()?,
            '.' => Node::Set(dot()),
            '[' => Node::Set(self.class()?),
            '\\' => self.atom_escape()?,
            c => Node::Set(Set::char(u32::from(c))),
        };
        self.quantifier(atom)
    }

    fn group(&mut self) -> Result<Node, Unsupported> {
        if self.eat('?') {
            if self.eat(':') {
            } else if self.eat_str("<=") || self.eat_str("<!") {
                return Err(unsupported("lookbehind (`(?<=` / `(?<!`)"));
            } else if self.eat('<') {
                // A named group: the name does not matter for a whole-value match.
                while self.next()? != '>' {}
            } else if self.eat('=') || self.eat('!') {
                return Err(unsupported("lookahead (`(?=` / `(?!`)"));
            } else {
                return Err(Unsupported(
                    "inline modifiers such as `(?i:…)` are not supported".into(),
                ));
            }
        }
        let inner = self.disjunction()?;
        self.expect(')')?;
        Ok(inner)
    }

    fn quantifier(&mut self, atom: Node) -> Result<Node, Unsupported> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                let start = self.pos;
                self.pos += 1;
                let min = self.number();
                let max = if self.eat(',') {
                    if self.peek() == Some('}') {
                        None
                    } else {
                        self.number()
                    }
                } else {
                    min
                };
                match (min, self.eat('}')) {
                    (Some(min), true) => {
                        self.pos -= 1; // the `}` is consumed below with the others
                        (min, max)
                    }
                    _ => {
                        self.pos = start;
                        return Err(Unsupported(format!(
                            "a quantifier at character {} is malformed or too large",
                            start + 1
                        )));
                    }
                }
            }
            _ => return Ok(atom),
        };
        self.pos += 1;
        // Lazy or greedy finds the same whole-value matches.
        self.eat('?');
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        let mut value: u32 = 0;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            value = value.checked_mul(10)?.checked_add(d)?;
            self.pos += 1;
        }
        (self.pos > start).then_some(value)
    }

    fn atom_escape(&mut self) -> Result<Node, Unsupported> {
        match self.peek() {
            Some('1'..='9') => Err(unsupported("a backreference (`\\1`)")),
            Some('k') => Err(unsupported("a named backreference (`\\k<…>`)")),
            _ => Ok(match self.class_escape(false)? {
                ClassAtom::Char(c) => Node::Set(Set::char(c)),
                ClassAtom::Set(set) => Node::Set(set),
            }),
        }
    }

    /// An escape after `\` (outside or inside a class, except `\b`, `\q`).
    fn class_escape(&mut self, in_class: bool) -> Result<ClassAtom, Unsupported> {
        let c = self.next()?;
        Ok(match c {
            'd' => ClassAtom::Set(digit()),
            'D' => ClassAtom::Set(digit().complement()),
            'w' => ClassAtom::Set(word()),
            'W' => ClassAtom::Set(word().complement()),
            's' => ClassAtom::Set(space()),
            'S' => ClassAtom::Set(space().complement()),
            'p' | 'P' => {
                self.expect('{')?;
                let mut body = String::new();
                loop {
                    match self.next()? {
                        '}' => break,
                        ch => body.push(ch),
                    }
                }
                let set = property(&body)?;
                ClassAtom::Set(if c == 'P' { set.complement() } else { set })
            }
            'f' => ClassAtom::Char(0x0C),
            'n' => ClassAtom::Char(0x0A),
            'r' => ClassAtom::Char(0x0D),
            't' => ClassAtom::Char(0x09),
            'v' => ClassAtom::Char(0x0B),
            'c' => {
                let letter = self.next()?;
                ClassAtom::Char(u32::from(letter) % 32)
            }
            '0' => ClassAtom::Char(0),
            'x' => ClassAtom::Char(self.hex_digits(2)?),
            'u' => ClassAtom::Char(self.unicode_escape()?),
            // With the `v` flag only these may be escaped: syntax characters
            // and `/`, and inside a class its reserved punctuators too.
            // Browsers reject any other (`\-` outside a class, `\a`) and
            // then ignore the whole pattern, so the API must not enforce it.
            other
                if "^$\\.*+?()[]{}|/".contains(other)
                    || (in_class && "&-!#%,:;<=>@`~".contains(other)) =>
            {
                ClassAtom::Char(u32::from(other))
            }
            other => {
                return Err(Unsupported(format!(
                    "`\\{other}` is not a valid escape with the `v` flag browsers use: they \
                     reject the pattern and check nothing, so neither would the API (write \
                     `{other}` without the backslash)"
                )));
            }
        })
    }

    fn hex_digits(&mut self, n: usize) -> Result<u32, Unsupported> {
        let mut value = 0;
        for _ in 0..n {
            let d = self
                .next()?
                .to_digit(16)
                .ok_or_else(|| Unsupported("a malformed hexadecimal escape".into()))?;
            value = value * 16 + d;
        }
        Ok(value)
    }

    fn unicode_escape(&mut self) -> Result<u32, Unsupported> {
        if self.eat('{') {
            let mut value: u32 = 0;
            loop {
                match self.next()? {
                    '}' => break,
                    ch => {
                        let d = ch
                            .to_digit(16)
                            .ok_or_else(|| Unsupported("a malformed `\\u{…}` escape".into()))?;
                        value = value.saturating_mul(16).saturating_add(d);
                    }
                }
            }
            return Ok(value);
        }
        let unit = self.hex_digits(4)?;
        if (0xD800..0xDC00).contains(&unit)
            && self.peek() == Some('\\')
            && self.peek_at(1) == Some('u')
        {
            let save = self.pos;
            self.pos += 2;
            let low = self.hex_digits(4)?;
            if (0xDC00..0xE000).contains(&low) {
                return Ok(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
            }
            self.pos = save;
        }
        if (0xD800..0xE000).contains(&unit) {
            return Err(Unsupported(
                "a lone surrogate escape can never match a submitted value".into(),
            ));
        }
        Ok(unit)
    }

    /// After `[`: a `v`-mode class with its nested classes and operators.
    fn class(&mut self) -> Result<Set, Unsupported> {
        let negated = self.eat('^');
        let set = if self.peek() == Some(']') {
            Set::default()
        } else {
            let first = self.class_operand()?;
            if self.peek() == Some('&') && self.peek_at(1) == Some('&') {
                let mut set = first.into_set();
                while self.eat_str("&&") {
                    set = set.intersect(&self.class_operand()?.into_set());
                }
                set
            } else if self.peek() == Some('-') && self.peek_at(1) == Some('-') {
                let mut set = first.into_set();
                while self.eat_str("--") {
                    set = set.subtract(&self.class_operand()?.into_set());
                }
                set
            } else {
                let mut set = self.class_range(first)?;
                while self.peek().is_some_and(|c| c != ']') {
                    let operand = self.class_operand()?;
                    set = set.union(&self.class_range(operand)?);
                }
                set
            }
        };
        self.expect(']')?;
        Ok(if negated { set.complement() } else { set })
    }

    /// `a-z` when `first` is a single character followed by `-`.
    fn class_range(&mut self, first: ClassAtom) -> Result<Set, Unsupported> {
        match first {
            ClassAtom::Char(lo) if self.peek() == Some('-') && self.peek_at(1) != Some('-') => {
                self.pos += 1;
                match self.class_operand()? {
                    ClassAtom::Char(hi) if hi >= lo => Ok(Set::of(&[(lo, hi)])),
                    _ => Err(Unsupported("a class range out of order".into())),
                }
            }
            other => Ok(other.into_set()),
        }
    }

    fn class_operand(&mut self) -> Result<ClassAtom, Unsupported> {
        match self.next()? {
            '[' => Ok(ClassAtom::Set(self.class()?)),
            '\\' if self.eat('b') => Ok(ClassAtom::Char(0x08)),
            '\\' if self.eat('q') => self.string_disjunction(),
            '\\' => self.class_escape(true),
            c => Ok(ClassAtom::Char(u32::from(c))),
        }
    }

    /// `\q{a|b|c}`: only single characters can join a set of characters.
    fn string_disjunction(&mut self) -> Result<ClassAtom, Unsupported> {
        self.expect('{')?;
        let mut set = Set::default();
        let mut current: Vec<u32> = Vec::new();
        loop {
            match self.next()? {
                '}' | '|' if current.len() != 1 => {
                    return Err(unsupported("a `\\q{…}` string of other than one character"));
                }
                '}' => {
                    set = set.union(&Set::char(current[0]));
                    break;
                }
                '|' => {
                    set = set.union(&Set::char(current[0]));
                    current.clear();
                }
                '\\' => match self.class_escape(true)? {
                    ClassAtom::Char(c) => current.push(c),
                    ClassAtom::Set(_) => {
                        return Err(Unsupported("a class escape inside `\\q{…}`".into()));
                    }
                },
                c => current.push(u32::from(c)),
            }
        }
        Ok(ClassAtom::Set(set))
    }
}

enum ClassAtom {
    Char(u32),
    Set(Set),
}

impl ClassAtom {
    fn into_set(self) -> Set {
        match self {
            ClassAtom::Char(c) => Set::char(c),
            ClassAtom::Set(set) => set,
        }
    }
}
