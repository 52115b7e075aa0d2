// SPDX-License-Identifier: GPL-2.0
//
// exabond-json-get: the fields of one JSON document on stdin, printed as
// `jq -r` prints them, for the VM tests' hottest helpers (tests/vm/guest/
// lib.sh: page, link_state, bond_active, ...). Under software emulation
// jq 1.6 takes about 240 ms to start (it compiles its builtins each time);
// this takes about 35 ms, and the helpers run in wait_for loops all over the
// suite.
//
//	exabond-json-get [-c] [--null TEXT] PATH...
//
// PATH is a plain path, `.`, `.key`, `.[N]` and chains of them
// (`.[0].linkinfo.info_data.active_slave`, `.members[1].ifname`); anything
// more is jq's job. Each PATH's value goes on its own line: a string raw, a
// number, true, false, null, an object or array as indented JSON (with -c,
// as jq -c, on one line). A missing
// key or index is null, as in jq; --null TEXT prints TEXT instead of "null"
// (jq's `PATH // TEXT`; `--null ''` for `// empty`). Empty input prints
// nothing, as jq does (ip printed an error instead of a document). Exit 5,
// as jq, when the input is not one JSON document or a PATH indexes a value
// that is not an object or array; 2 on a bad PATH.

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace {

using Json = nlohmann::ordered_json;
using Step = std::variant<std::string, std::size_t>;

struct BadPath : std::runtime_error {
	using std::runtime_error::runtime_error;
};

std::vector<Step> parse_path(std::string_view p)
{
	std::vector<Step> steps;
	const std::string whole(p);
	if (p.empty() || p.front() != '.')
		throw BadPath("path must start with '.': " + whole);
	if (p == ".")
		return steps;
	std::size_t i = 0;
	while (i < p.size()) {
		if (p[i] == '.' && i + 1 < p.size() && p[i + 1] != '[') {
			std::size_t j = ++i;
			while (j < p.size() &&
			       (std::isalnum(static_cast<unsigned char>(p[j])) ||
				p[j] == '_'))
				j++;
			if (j == i || std::isdigit(static_cast<unsigned char>(p[i])))
				throw BadPath("bad key in " + whole);
			steps.emplace_back(std::string(p.substr(i, j - i)));
			i = j;
			continue;
		}
		if (p[i] == '.')
			i++;
		if (i >= p.size() || p[i] != '[')
			throw BadPath("expected '[' in " + whole);
		std::size_t j = ++i;
		while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j])))
			j++;
		if (j == i || j >= p.size() || p[j] != ']')
			throw BadPath("bad index in " + whole);
		steps.emplace_back(std::stoul(std::string(p.substr(i, j - i))));
		i = j + 1;
	}
	return steps;
}

// The value at STEPS, or nullopt where a key or index is missing.
std::optional<Json> walk(const Json &doc, const std::vector<Step> &steps,
			 std::string_view path)
{
	const Json *v = &doc;
	for (const Step &s : steps) {
		if (v->is_null())
			return std::nullopt;
		if (const auto *key = std::get_if<std::string>(&s)) {
			if (!v->is_object())
				throw std::runtime_error(
					"cannot index " + std::string(v->type_name()) +
					" with \"" + *key + "\" (" + std::string(path) + ")");
			auto it = v->find(*key);
			if (it == v->end())
				return std::nullopt;
			v = &*it;
		} else {
			std::size_t n = std::get<std::size_t>(s);
			if (!v->is_array())
				throw std::runtime_error(
					"cannot index " + std::string(v->type_name()) +
					" with a number (" + std::string(path) + ")");
			if (n >= v->size())
				return std::nullopt;
			v = &(*v)[n];
		}
	}
	return *v;
}

void print(const std::optional<Json> &v, const std::string &null_text,
	   bool compact)
{
	if (!v || v->is_null())
		std::cout << null_text << '\n';
	else if (v->is_string())
		std::cout << v->get_ref<const std::string &>() << '\n';
	else if (v->is_structured())
		std::cout << (compact ? v->dump() : v->dump(2)) << '\n';
	else
		std::cout << v->dump() << '\n';
}

int usage()
{
	std::cerr << "usage: exabond-json-get [-c] [--null TEXT] PATH...\n";
	return 2;
}

} // namespace

int main(int argc, char **argv)
{
	std::string null_text = "null";
	bool compact = false;
	std::vector<std::string_view> paths;
	for (int i = 1; i < argc; i++) {
		std::string_view a = argv[i];
		if (a == "-c")
			compact = true;
		else if (a == "--null" && i + 1 < argc)
			null_text = argv[++i];
		else if (!a.empty() && a.front() == '.')
			paths.push_back(a);
		else
			return usage();
	}
	if (paths.empty())
		return usage();

	std::vector<std::vector<Step>> parsed;
	try {
		for (auto p : paths)
			parsed.push_back(parse_path(p));
	} catch (const BadPath &e) {
		std::cerr << "exabond-json-get: " << e.what() << '\n';
		return 2;
	}

	const std::string input{std::istreambuf_iterator<char>(std::cin),
				std::istreambuf_iterator<char>()};
	if (input.find_first_not_of(" \t\r\n") == std::string::npos)
		return 0;
	try {
		const Json doc = Json::parse(input);
		for (std::size_t i = 0; i < parsed.size(); i++)
			print(walk(doc, parsed[i], paths[i]), null_text,
			      compact);
	} catch (const std::exception &e) {
		std::cout.flush();
		std::cerr << "exabond-json-get: " << e.what() << '\n';
		return 5;
	}
	return 0;
}
