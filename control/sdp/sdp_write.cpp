// Session -> SDP text, CRLF line endings. Each section follows its recorded layout so parsed input
// is reproduced line for line; elements the caller added (without a layout slot) go to their
// RFC 8866 position: o s i u e p c b t r z k a, unknown types last.

#include <algorithm>
#include <string>

#include "control/sdp/sdp.hpp"

namespace rtpx::sdp {

namespace {

constexpr std::string_view kRfcOrder = "osiuepcbtrzka";
constexpr int kRankAfterAll = static_cast<int>(kRfcOrder.size()) + 1;

int rank_of(char type) {
  size_t pos = kRfcOrder.find(type);
  return static_cast<int>(pos == std::string_view::npos ? kRfcOrder.size() : pos);
}

char letter_of(LineKind k) {
  switch (k) {
    case LineKind::kOrigin:
      return 'o';
    case LineKind::kName:
      return 's';
    case LineKind::kConnection:
      return 'c';
    case LineKind::kAttribute:
      return 'a';
    case LineKind::kOther:
      break;
  }
  return '\0';
}

struct Item {
  int rank;
  LineKind kind;
  size_t index;  // into other_lines / attributes
};

class SectionWriter {
 public:
  SectionWriter(std::string& out, const Origin* origin, const std::optional<std::string>* name,
                const std::optional<Connection>& conn, const std::vector<Line>& others,
                const std::vector<Attribute>& attrs)
      : out_(out), origin_(origin), name_(name), conn_(conn), others_(others), attrs_(attrs) {}

  void write(const std::vector<LineKind>& layout) {
    collect_extras(layout);
    size_t next_other = 0;
    size_t next_attr = 0;
    for (LineKind k : layout) {
      std::optional<Item> item;
      switch (k) {
        case LineKind::kOrigin:
        case LineKind::kName:
        case LineKind::kConnection:
          if (present(k) && !done(k)) item = Item{rank_of(letter_of(k)), k, 0};
          break;
        case LineKind::kOther:
          if (next_other < others_.size()) {
            item = Item{rank_of(others_[next_other].type), k, next_other};
            ++next_other;
          }
          break;
        case LineKind::kAttribute:
          if (next_attr < attrs_.size()) item = Item{rank_of('a'), k, next_attr++};
          break;
      }
      if (!item) continue;
      flush_extras_before(item->rank);
      emit(*item);
    }
    flush_extras_before(kRankAfterAll);
  }

 private:
  bool present(LineKind k) const {
    switch (k) {
      case LineKind::kOrigin:
        return origin_ != nullptr;
      case LineKind::kName:
        return name_ != nullptr && name_->has_value();
      case LineKind::kConnection:
        return conn_.has_value();
      default:
        return false;
    }
  }

  bool done(LineKind k) const {
    return k == LineKind::kOrigin ? origin_done_ : k == LineKind::kName ? name_done_ : conn_done_;
  }

  // Elements with no slot in the layout: singletons never mentioned, list entries past the number
  // of slots of their kind.
  void collect_extras(const std::vector<LineKind>& layout) {
    auto slots = [&layout](LineKind k) {
      return static_cast<size_t>(std::count(layout.begin(), layout.end(), k));
    };
    for (LineKind k : {LineKind::kOrigin, LineKind::kName, LineKind::kConnection})
      if (present(k) && slots(k) == 0) extras_.push_back(Item{rank_of(letter_of(k)), k, 0});
    for (size_t i = slots(LineKind::kOther); i < others_.size(); ++i)
      extras_.push_back(Item{rank_of(others_[i].type), LineKind::kOther, i});
    for (size_t i = slots(LineKind::kAttribute); i < attrs_.size(); ++i)
      extras_.push_back(Item{rank_of('a'), LineKind::kAttribute, i});
    std::stable_sort(extras_.begin(), extras_.end(),
                     [](const Item& a, const Item& b) { return a.rank < b.rank; });
  }

  void flush_extras_before(int rank) {
    while (next_extra_ < extras_.size() && extras_[next_extra_].rank < rank)
      emit(extras_[next_extra_++]);
  }

  void line(char type, std::string_view value) {
    out_ += type;
    out_ += '=';
    out_ += value;
    out_ += "\r\n";
  }

  void emit(const Item& it) {
    switch (it.kind) {
      case LineKind::kOrigin:
        origin_done_ = true;
        line('o', origin_->to_string());
        break;
      case LineKind::kName:
        name_done_ = true;
        line('s', **name_);
        break;
      case LineKind::kConnection:
        conn_done_ = true;
        line('c', conn_->to_string());
        break;
      case LineKind::kOther:
        line(others_[it.index].type, others_[it.index].value);
        break;
      case LineKind::kAttribute:
        line('a', attrs_[it.index].to_string());
        break;
    }
  }

  std::string& out_;
  const Origin* origin_;
  const std::optional<std::string>* name_;
  const std::optional<Connection>& conn_;
  const std::vector<Line>& others_;
  const std::vector<Attribute>& attrs_;
  std::vector<Item> extras_;
  size_t next_extra_ = 0;
  bool origin_done_ = false;
  bool name_done_ = false;
  bool conn_done_ = false;
};

}  // namespace

std::string write(const Session& s) {
  std::string out;
  out.reserve(1024);
  out += "v=" + std::to_string(s.version) + "\r\n";
  SectionWriter(out, &s.origin, &s.name, s.connection, s.other_lines, s.attributes).write(s.layout);
  for (const Media& m : s.media) {
    out += "m=" + m.to_string() + "\r\n";
    SectionWriter(out, nullptr, nullptr, m.connection, m.other_lines, m.attributes).write(m.layout);
  }
  return out;
}

}  // namespace rtpx::sdp
