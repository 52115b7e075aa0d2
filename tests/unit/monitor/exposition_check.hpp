// SPDX-License-Identifier: GPL-2.0
//
// A strict reader of the Prometheus text format 0.0.4 for the tests: it
// fails on anything render_prometheus() must never produce, and returns
// the samples so a test can ask for one series' value.
//
// Checked: every line is a # HELP, a # TYPE or a sample, and the text ends
// with a newline; a family has exactly one HELP and one TYPE, both before
// its samples, and its samples are contiguous; metric and label names are
// valid, label values use only the \\ \" \n escapes, no label repeats and
// no series repeats; values parse; counters end in _total; a histogram has
// _bucket, _sum and _count for each label set, its le bounds increase up
// to "+Inf", its buckets are cumulative and +Inf equals _count.
#ifndef EXABOND_TESTS_MONITOR_EXPOSITION_CHECK_HPP
#define EXABOND_TESTS_MONITOR_EXPOSITION_CHECK_HPP

#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace exposition {

using Labels = std::map<std::string, std::string>;

struct Sample {
	std::string name;
	Labels labels;
	double value;
};

struct Family {
	std::string help;
	std::string type;
	std::vector<Sample> samples;
};

struct Parsed {
	std::vector<std::string> order;		// family names, as met
	std::map<std::string, Family> families;

	// The value of @name{@labels} (exact label set), if present.
	std::optional<double> value(const std::string &name,
				    const Labels &labels = {}) const
	{
		for (const auto &[fname, f] : families)
			for (const Sample &s : f.samples)
				if (s.name == name && s.labels == labels)
					return s.value;
		return std::nullopt;
	}

	// Every sample named @name.
	std::vector<Sample> all(const std::string &name) const
	{
		std::vector<Sample> out;

		for (const auto &[fname, f] : families)
			for (const Sample &s : f.samples)
				if (s.name == name)
					out.push_back(s);
		return out;
	}
};

class Error : public std::runtime_error {
public:
	Error(std::size_t line, const std::string &what)
		: std::runtime_error("line " + std::to_string(line) + ": " +
				     what) {}
};

namespace detail {

inline bool name_char(char c, bool first, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

inline bool valid_name(const std::string &s, bool colon)
{
	if (s.empty())
		return false;
	for (std::size_t i = 0; i < s.size(); i++)
		if (!name_char(s[i], i == 0, colon))
			return false;
	return true;
}

inline double parse_value(const std::string &v, std::size_t ln)
{
	if (v == "+Inf")
		return INFINITY;
	if (v == "-Inf")
		return -INFINITY;
	if (v == "NaN")
		return NAN;
	char *end = nullptr;
	double d = std::strtod(v.c_str(), &end);

	if (v.empty() || *end || v == "inf" || v == "nan")
		throw Error(ln, "bad value '" + v + "'");
	return d;
}

// name{labels} value
inline Sample parse_sample(const std::string &l, std::size_t ln)
{
	Sample s;
	std::size_t i = 0;

	while (i < l.size() && l[i] != '{' && l[i] != ' ')
		i++;
	s.name = l.substr(0, i);
	if (!valid_name(s.name, true))
		throw Error(ln, "bad metric name '" + s.name + "'");
	if (i < l.size() && l[i] == '{') {
		i++;
		while (true) {
			if (i >= l.size())
				throw Error(ln, "unterminated labels");
			if (l[i] == '}') {
				i++;
				break;
			}
			std::size_t eq = l.find('=', i);

			if (eq == std::string::npos)
				throw Error(ln, "label without '='");
			std::string ln_ = l.substr(i, eq - i);

			if (!valid_name(ln_, false))
				throw Error(ln, "bad label name '" + ln_ + "'");
			i = eq + 1;
			if (i >= l.size() || l[i] != '"')
				throw Error(ln, "label value not quoted");
			i++;
			std::string v;

			while (true) {
				if (i >= l.size())
					throw Error(ln, "unterminated value");
				char c = l[i++];

				if (c == '"')
					break;
				if (c == '\\') {
					if (i >= l.size())
						throw Error(ln, "bad escape");
					char e = l[i++];

					if (e == '\\')
						v += '\\';
					else if (e == '"')
						v += '"';
					else if (e == 'n')
						v += '\n';
					else
						throw Error(ln, "bad escape");
					continue;
				}
				if (c == '\n')
					throw Error(ln, "raw newline in value");
				v += c;
			}
			if (!s.labels.emplace(ln_, v).second)
				throw Error(ln, "repeated label " + ln_);
			if (i < l.size() && l[i] == ',')
				i++;
			else if (i >= l.size() || l[i] != '}')
				throw Error(ln, "expected ',' or '}'");
		}
	}
	if (i >= l.size() || l[i] != ' ')
		throw Error(ln, "no space before the value");
	std::string v = l.substr(i + 1);

	if (v.find(' ') != std::string::npos)
		throw Error(ln, "timestamps are not expected");
	s.value = parse_value(v, ln);
	return s;
}

// The family a sample name belongs to, given the families declared.
inline std::string family_of(const std::string &name, const Parsed &p)
{
	if (p.families.count(name))
		return name;
	for (const char *suffix : {"_bucket", "_sum", "_count"}) {
		std::string sfx(suffix);

		if (name.size() > sfx.size() &&
		    name.compare(name.size() - sfx.size(), sfx.size(), sfx) ==
			    0) {
			std::string base = name.substr(0, name.size() -
								  sfx.size());
			auto it = p.families.find(base);

			if (it != p.families.end() &&
			    it->second.type == "histogram")
				return base;
		}
	}
	return {};
}

inline void check_histogram(const std::string &name, const Family &f)
{
	struct Series {
		std::vector<std::pair<double, double>> buckets;	// le, n
		std::optional<double> sum, count;
	};
	std::map<Labels, Series> series;

	for (const Sample &s : f.samples) {
		Labels l = s.labels;

		if (s.name == name + "_bucket") {
			auto le = l.find("le");

			if (le == l.end())
				throw Error(0, name + ": bucket without le");
			double b = parse_value(le->second, 0);
			l.erase(le);
			series[l].buckets.emplace_back(b, s.value);
		} else if (s.name == name + "_sum") {
			series[l].sum = s.value;
		} else if (s.name == name + "_count") {
			series[l].count = s.value;
		} else {
			throw Error(0, name + ": stray sample " + s.name);
		}
	}
	for (const auto &[l, s] : series) {
		if (!s.sum || !s.count || s.buckets.empty())
			throw Error(0, name + ": incomplete histogram");
		if (!std::isinf(s.buckets.back().first))
			throw Error(0, name + ": last bucket is not +Inf");
		for (std::size_t i = 1; i < s.buckets.size(); i++) {
			if (!(s.buckets[i].first > s.buckets[i - 1].first))
				throw Error(0, name + ": le not increasing");
			if (s.buckets[i].second < s.buckets[i - 1].second)
				throw Error(0, name + ": not cumulative");
		}
		if (s.buckets.back().second != *s.count)
			throw Error(0, name + ": +Inf bucket != _count");
	}
}

} // namespace detail

// Parses @text; throws exposition::Error on the first violation.
inline Parsed parse(const std::string &text)
{
	Parsed p;
	std::set<std::string> series;
	std::string current;	// family whose samples are being read
	std::set<std::string> closed;
	std::size_t ln = 0;

	if (text.empty() || text.back() != '\n')
		throw Error(0, "the text does not end with a newline");
	std::istringstream in(text);
	std::string l;

	while (std::getline(in, l)) {
		ln++;
		if (l.empty())
			throw Error(ln, "empty line");
		if (l[0] == '#') {
			std::istringstream w(l);
			std::string hash, kw, name, rest;

			w >> hash >> kw >> name;
			std::getline(w, rest);
			if (hash != "#" || (kw != "HELP" && kw != "TYPE"))
				throw Error(ln, "unexpected comment");
			if (!detail::valid_name(name, true))
				throw Error(ln, "bad family name " + name);
			if (name != current) {
				if (closed.count(name) ||
				    p.families.count(name))
					throw Error(ln, name +
							" not contiguous");
				if (!current.empty())
					closed.insert(current);
				current = name;
				p.order.push_back(name);
			}
			Family &f = p.families[name];

			if (!f.samples.empty())
				throw Error(ln, kw + " after samples");
			if (rest.size() < 2 || rest[0] != ' ')
				throw Error(ln, "empty " + kw);
			rest = rest.substr(1);
			if (kw == "HELP") {
				if (!f.help.empty())
					throw Error(ln, "second HELP");
				f.help = rest;
			} else {
				if (!f.type.empty())
					throw Error(ln, "second TYPE");
				if (rest != "counter" && rest != "gauge" &&
				    rest != "histogram" && rest != "summary" &&
				    rest != "untyped")
					throw Error(ln, "bad type " + rest);
				f.type = rest;
			}
			continue;
		}
		Sample s = detail::parse_sample(l, ln);
		std::string fam = detail::family_of(s.name, p);

		if (fam.empty())
			throw Error(ln, s.name + " has no HELP/TYPE");
		if (fam != current)
			throw Error(ln, s.name + " outside its family");
		Family &f = p.families[fam];

		if (f.help.empty() || f.type.empty())
			throw Error(ln, fam + " lacks HELP or TYPE");
		if (f.type == "counter" &&
		    (fam.size() < 6 || fam.substr(fam.size() - 6) != "_total"))
			throw Error(ln, fam + ": counter not named _total");
		std::string key = s.name + "{";
		for (const auto &[k, v] : s.labels)
			key += k + "=" + v + ",";
		if (!series.insert(key).second)
			throw Error(ln, "repeated series " + key);
		f.samples.push_back(std::move(s));
	}
	for (const auto &[name, f] : p.families) {
		if (f.samples.empty())
			throw Error(0, name + " has no samples");
		if (f.type == "histogram")
			detail::check_histogram(name, f);
	}
	return p;
}

} // namespace exposition

#endif // EXABOND_TESTS_MONITOR_EXPOSITION_CHECK_HPP
