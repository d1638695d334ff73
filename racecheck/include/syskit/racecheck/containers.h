// Drop-in checked containers: racecheck::vector<T> is a std::vector<T> whose
// member calls first report (this, op, read/write, caller's source location)
// to the TSVD runtime (runtime.h). Replace `std::vector` by
// `syskit::racecheck::vector` in the code under test; with the runtime off
// each call costs one atomic load.
//
// Reported members are those Contract::WrappedMethods() lists for the type
// (size, find, push_back, insert, erase, operator[], begin/end, ...). The
// caller's location comes from a defaulted std::source_location parameter, or
// for operators and single-argument calls from an implicit conversion of the
// argument (Arg<T>), whose default argument is evaluated at the call site.
// Where a member name is wrapped, its other overloads are hidden (a compile
// error, never a silent unreported call; reach them through unchecked());
// members not wrapped at all are inherited and not reported. Destruction bumps the
// object's generation, so a new container at the same address is a new
// object. Thread-safety: exactly that of the std container.
#pragma once

#include <deque>
#include <list>
#include <map>
#include <set>
#include <source_location>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "syskit/racecheck/runtime.h"

namespace syskit::racecheck {
namespace internal {

// An argument plus the location of the call that passed it.
template <class T>
struct Arg {
  template <class U>
  Arg(U&& v, std::source_location l = std::source_location::current())  // NOLINT: implicit
      : value(std::forward<U>(v)), loc(l) {}
  T value;
  std::source_location loc;
};

}  // namespace internal

#define SYSKIT_RACECHECK_HOOK(type, method, loc)                                  \
  do {                                                                            \
    static const ::syskit::racecheck::OpId syskit_op_ =                           \
        ::syskit::racecheck::RegisterOp(type, method);                            \
    ::syskit::racecheck::OnCall(static_cast<const void*>(this), syskit_op_, loc); \
  } while (0)

#define SYSKIT_RACECHECK_LOC std::source_location loc = std::source_location::current()

// Members every wrapped container shares.
#define SYSKIT_RACECHECK_COMMON(Self, Base, kType)                                            \
 public:                                                                                      \
  using Base::Base;                                                                           \
  Self() = default;                                                                           \
  Self(const Self&) = default;                                                                \
  Self(Self&&) = default;                                                                     \
  Self& operator=(const Self&) = default;                                                     \
  Self& operator=(Self&&) = default;                                                          \
  explicit Self(const Base& other) : Base(other) {}                                           \
  ~Self() { ::syskit::racecheck::OnDestroy(this); }                                           \
  Base& unchecked() { return *this; }                                                         \
  const Base& unchecked() const { return *this; }                                             \
  typename Base::size_type size(SYSKIT_RACECHECK_LOC) const {                                 \
    SYSKIT_RACECHECK_HOOK(kType, "size", loc);                                                \
    return Base::size();                                                                      \
  }                                                                                           \
  bool empty(SYSKIT_RACECHECK_LOC) const {                                                    \
    SYSKIT_RACECHECK_HOOK(kType, "empty", loc);                                               \
    return Base::empty();                                                                     \
  }                                                                                           \
  void clear(SYSKIT_RACECHECK_LOC) {                                                          \
    SYSKIT_RACECHECK_HOOK(kType, "clear", loc);                                               \
    Base::clear();                                                                            \
  }                                                                                           \
  void swap(Self& other, SYSKIT_RACECHECK_LOC) {                                              \
    SYSKIT_RACECHECK_HOOK(kType, "swap", loc);                                                \
    ::syskit::racecheck::OnCall(&other, ::syskit::racecheck::RegisterOp(kType, "swap"), loc); \
    Base::swap(other);                                                                        \
  }                                                                                           \
  typename Base::iterator begin(SYSKIT_RACECHECK_LOC) {                                       \
    SYSKIT_RACECHECK_HOOK(kType, "begin", loc);                                               \
    return Base::begin();                                                                     \
  }                                                                                           \
  typename Base::const_iterator begin(SYSKIT_RACECHECK_LOC) const {                           \
    SYSKIT_RACECHECK_HOOK(kType, "begin", loc);                                               \
    return Base::begin();                                                                     \
  }                                                                                           \
  typename Base::iterator end(SYSKIT_RACECHECK_LOC) {                                         \
    SYSKIT_RACECHECK_HOOK(kType, "end", loc);                                                 \
    return Base::end();                                                                       \
  }                                                                                           \
  typename Base::const_iterator end(SYSKIT_RACECHECK_LOC) const {                             \
    SYSKIT_RACECHECK_HOOK(kType, "end", loc);                                                 \
    return Base::end();                                                                       \
  }                                                                                           \
  auto erase(typename Base::const_iterator pos, SYSKIT_RACECHECK_LOC) {                       \
    SYSKIT_RACECHECK_HOOK(kType, "erase", loc);                                               \
    return Base::erase(pos);                                                                  \
  }                                                                                           \
  auto erase(typename Base::const_iterator first, typename Base::const_iterator last,         \
             SYSKIT_RACECHECK_LOC) {                                                          \
    SYSKIT_RACECHECK_HOOK(kType, "erase", loc);                                               \
    return Base::erase(first, last);                                                          \
  }

// Members of the sequences (vector, deque, list, string).
#define SYSKIT_RACECHECK_SEQUENCE(Base, kType)                                \
  void push_back(internal::Arg<typename Base::value_type> v) {                \
    SYSKIT_RACECHECK_HOOK(kType, "push_back", v.loc);                         \
    Base::push_back(std::move(v.value));                                      \
  }                                                                           \
  void pop_back(SYSKIT_RACECHECK_LOC) {                                       \
    SYSKIT_RACECHECK_HOOK(kType, "pop_back", loc);                            \
    Base::pop_back();                                                         \
  }                                                                           \
  typename Base::reference back(SYSKIT_RACECHECK_LOC) {                       \
    SYSKIT_RACECHECK_HOOK(kType, "back", loc);                                \
    return Base::back();                                                      \
  }                                                                           \
  typename Base::const_reference back(SYSKIT_RACECHECK_LOC) const {           \
    SYSKIT_RACECHECK_HOOK(kType, "back", loc);                                \
    return Base::back();                                                      \
  }                                                                           \
  typename Base::reference front(SYSKIT_RACECHECK_LOC) {                      \
    SYSKIT_RACECHECK_HOOK(kType, "front", loc);                               \
    return Base::front();                                                     \
  }                                                                           \
  typename Base::const_reference front(SYSKIT_RACECHECK_LOC) const {          \
    SYSKIT_RACECHECK_HOOK(kType, "front", loc);                               \
    return Base::front();                                                     \
  }                                                                           \
  auto insert(typename Base::const_iterator pos, typename Base::value_type v, \
              SYSKIT_RACECHECK_LOC) {                                         \
    SYSKIT_RACECHECK_HOOK(kType, "insert", loc);                              \
    return Base::insert(pos, std::move(v));                                   \
  }                                                                           \
  void resize(typename Base::size_type n, SYSKIT_RACECHECK_LOC) {             \
    SYSKIT_RACECHECK_HOOK(kType, "resize", loc);                              \
    Base::resize(n);                                                          \
  }

// emplace_back (vector, deque, list; std::string has none).
#define SYSKIT_RACECHECK_EMPLACE_BACK(Base, kType)                            \
  template <class A>                                                          \
  typename Base::reference emplace_back(A&& a, SYSKIT_RACECHECK_LOC) {        \
    SYSKIT_RACECHECK_HOOK(kType, "emplace_back", loc);                        \
    return Base::emplace_back(std::forward<A>(a));                            \
  }                                                                           \
  template <class A, class B>                                                 \
  typename Base::reference emplace_back(A&& a, B&& b, SYSKIT_RACECHECK_LOC) { \
    SYSKIT_RACECHECK_HOOK(kType, "emplace_back", loc);                        \
    return Base::emplace_back(std::forward<A>(a), std::forward<B>(b));        \
  }

// Random access (vector, deque, string): at and operator[] (reads by default:
// element writes are memory races, left to TSan; configurable).
#define SYSKIT_RACECHECK_INDEXED(Base, kType)                                                  \
  typename Base::reference operator[](internal::Arg<typename Base::size_type> i) {             \
    SYSKIT_RACECHECK_HOOK(kType, "operator[]", i.loc);                                         \
    return Base::operator[](i.value);                                                          \
  }                                                                                            \
  typename Base::const_reference operator[](internal::Arg<typename Base::size_type> i) const { \
    SYSKIT_RACECHECK_HOOK(kType, "operator[]", i.loc);                                         \
    return Base::operator[](i.value);                                                          \
  }                                                                                            \
  typename Base::reference at(typename Base::size_type i, SYSKIT_RACECHECK_LOC) {              \
    SYSKIT_RACECHECK_HOOK(kType, "at", loc);                                                   \
    return Base::at(i);                                                                        \
  }                                                                                            \
  typename Base::const_reference at(typename Base::size_type i, SYSKIT_RACECHECK_LOC) const {  \
    SYSKIT_RACECHECK_HOOK(kType, "at", loc);                                                   \
    return Base::at(i);                                                                        \
  }

// Double-ended (deque, list).
#define SYSKIT_RACECHECK_FRONT_OPS(Base, kType)                 \
  void push_front(internal::Arg<typename Base::value_type> v) { \
    SYSKIT_RACECHECK_HOOK(kType, "push_front", v.loc);          \
    Base::push_front(std::move(v.value));                       \
  }                                                             \
  void pop_front(SYSKIT_RACECHECK_LOC) {                        \
    SYSKIT_RACECHECK_HOOK(kType, "pop_front", loc);             \
    Base::pop_front();                                          \
  }

// Associative containers (map, unordered_map, set, unordered_set).
#define SYSKIT_RACECHECK_ASSOCIATIVE(Base, kType)                                                  \
  auto find(const typename Base::key_type& key, SYSKIT_RACECHECK_LOC) {                            \
    SYSKIT_RACECHECK_HOOK(kType, "find", loc);                                                     \
    return Base::find(key);                                                                        \
  }                                                                                                \
  auto find(const typename Base::key_type& key, SYSKIT_RACECHECK_LOC) const {                      \
    SYSKIT_RACECHECK_HOOK(kType, "find", loc);                                                     \
    return Base::find(key);                                                                        \
  }                                                                                                \
  typename Base::size_type count(const typename Base::key_type& key, SYSKIT_RACECHECK_LOC) const { \
    SYSKIT_RACECHECK_HOOK(kType, "count", loc);                                                    \
    return Base::count(key);                                                                       \
  }                                                                                                \
  bool contains(const typename Base::key_type& key, SYSKIT_RACECHECK_LOC) const {                  \
    SYSKIT_RACECHECK_HOOK(kType, "contains", loc);                                                 \
    return Base::contains(key);                                                                    \
  }                                                                                                \
  auto insert(typename Base::value_type v, SYSKIT_RACECHECK_LOC) {                                 \
    SYSKIT_RACECHECK_HOOK(kType, "insert", loc);                                                   \
    return Base::insert(std::move(v));                                                             \
  }                                                                                                \
  template <class A>                                                                               \
  auto emplace(A&& a, SYSKIT_RACECHECK_LOC) {                                                      \
    SYSKIT_RACECHECK_HOOK(kType, "emplace", loc);                                                  \
    return Base::emplace(std::forward<A>(a));                                                      \
  }                                                                                                \
  template <class A, class B>                                                                      \
  auto emplace(A&& a, B&& b, SYSKIT_RACECHECK_LOC) {                                               \
    SYSKIT_RACECHECK_HOOK(kType, "emplace", loc);                                                  \
    return Base::emplace(std::forward<A>(a), std::forward<B>(b));                                  \
  }                                                                                                \
  typename Base::size_type erase(const typename Base::key_type& key, SYSKIT_RACECHECK_LOC) {       \
    SYSKIT_RACECHECK_HOOK(kType, "erase", loc);                                                    \
    return Base::erase(key);                                                                       \
  }

// Maps: operator[] (a write: it may insert) and at.
#define SYSKIT_RACECHECK_MAP(Base, kType)                                                        \
  typename Base::mapped_type& operator[](internal::Arg<typename Base::key_type> key) {           \
    SYSKIT_RACECHECK_HOOK(kType, "operator[]", key.loc);                                         \
    return Base::operator[](std::move(key.value));                                               \
  }                                                                                              \
  typename Base::mapped_type& at(const typename Base::key_type& key, SYSKIT_RACECHECK_LOC) {     \
    SYSKIT_RACECHECK_HOOK(kType, "at", loc);                                                     \
    return Base::at(key);                                                                        \
  }                                                                                              \
  const typename Base::mapped_type& at(const typename Base::key_type& key, SYSKIT_RACECHECK_LOC) \
      const {                                                                                    \
    SYSKIT_RACECHECK_HOOK(kType, "at", loc);                                                     \
    return Base::at(key);                                                                        \
  }

template <class T, class Alloc = std::allocator<T>>
class vector : public std::vector<T, Alloc> {
  using Base = std::vector<T, Alloc>;
  SYSKIT_RACECHECK_COMMON(vector, Base, "std::vector")
  SYSKIT_RACECHECK_SEQUENCE(Base, "std::vector")
  SYSKIT_RACECHECK_EMPLACE_BACK(Base, "std::vector")
  SYSKIT_RACECHECK_INDEXED(Base, "std::vector")
  void reserve(typename Base::size_type n, SYSKIT_RACECHECK_LOC) {
    SYSKIT_RACECHECK_HOOK("std::vector", "reserve", loc);
    Base::reserve(n);
  }
  typename Base::size_type capacity(SYSKIT_RACECHECK_LOC) const {
    SYSKIT_RACECHECK_HOOK("std::vector", "capacity", loc);
    return Base::capacity();
  }
};

template <class T, class Alloc = std::allocator<T>>
class deque : public std::deque<T, Alloc> {
  using Base = std::deque<T, Alloc>;
  SYSKIT_RACECHECK_COMMON(deque, Base, "std::deque")
  SYSKIT_RACECHECK_SEQUENCE(Base, "std::deque")
  SYSKIT_RACECHECK_EMPLACE_BACK(Base, "std::deque")
  SYSKIT_RACECHECK_INDEXED(Base, "std::deque")
  SYSKIT_RACECHECK_FRONT_OPS(Base, "std::deque")
};

template <class T, class Alloc = std::allocator<T>>
class list : public std::list<T, Alloc> {
  using Base = std::list<T, Alloc>;
  SYSKIT_RACECHECK_COMMON(list, Base, "std::list")
  SYSKIT_RACECHECK_SEQUENCE(Base, "std::list")
  SYSKIT_RACECHECK_EMPLACE_BACK(Base, "std::list")
  SYSKIT_RACECHECK_FRONT_OPS(Base, "std::list")
  void sort(SYSKIT_RACECHECK_LOC) {
    SYSKIT_RACECHECK_HOOK("std::list", "sort", loc);
    Base::sort();
  }
};

template <class K, class V, class Compare = std::less<K>,
          class Alloc = std::allocator<std::pair<const K, V>>>
class map : public std::map<K, V, Compare, Alloc> {
  using Base = std::map<K, V, Compare, Alloc>;
  SYSKIT_RACECHECK_COMMON(map, Base, "std::map")
  SYSKIT_RACECHECK_ASSOCIATIVE(Base, "std::map")
  SYSKIT_RACECHECK_MAP(Base, "std::map")
};

template <class K, class V, class Hash = std::hash<K>, class Eq = std::equal_to<K>,
          class Alloc = std::allocator<std::pair<const K, V>>>
class unordered_map : public std::unordered_map<K, V, Hash, Eq, Alloc> {
  using Base = std::unordered_map<K, V, Hash, Eq, Alloc>;
  SYSKIT_RACECHECK_COMMON(unordered_map, Base, "std::unordered_map")
  SYSKIT_RACECHECK_ASSOCIATIVE(Base, "std::unordered_map")
  SYSKIT_RACECHECK_MAP(Base, "std::unordered_map")
  void reserve(typename Base::size_type n, SYSKIT_RACECHECK_LOC) {
    SYSKIT_RACECHECK_HOOK("std::unordered_map", "reserve", loc);
    Base::reserve(n);
  }
};

template <class K, class Compare = std::less<K>, class Alloc = std::allocator<K>>
class set : public std::set<K, Compare, Alloc> {
  using Base = std::set<K, Compare, Alloc>;
  SYSKIT_RACECHECK_COMMON(set, Base, "std::set")
  SYSKIT_RACECHECK_ASSOCIATIVE(Base, "std::set")
};

template <class K, class Hash = std::hash<K>, class Eq = std::equal_to<K>,
          class Alloc = std::allocator<K>>
class unordered_set : public std::unordered_set<K, Hash, Eq, Alloc> {
  using Base = std::unordered_set<K, Hash, Eq, Alloc>;
  SYSKIT_RACECHECK_COMMON(unordered_set, Base, "std::unordered_set")
  SYSKIT_RACECHECK_ASSOCIATIVE(Base, "std::unordered_set")
};

// A checked std::string. append(other) reports a write on this string and a
// read on `other` when `other` is a checked string too (the StringBuffer race).
class string : public std::string {
  using Base = std::string;
  SYSKIT_RACECHECK_COMMON(string, Base, "std::string")
  SYSKIT_RACECHECK_SEQUENCE(Base, "std::string")
  SYSKIT_RACECHECK_INDEXED(Base, "std::string")
  string& append(const string& other, SYSKIT_RACECHECK_LOC) {
    SYSKIT_RACECHECK_HOOK("std::string", "append", loc);
    // Reading `other`: its length, then its bytes.
    static const OpId size_op = RegisterOp("std::string", "size");
    OnCall(&other, size_op, loc);
    Base::append(other.unchecked());
    return *this;
  }
  string& append(std::string_view text, SYSKIT_RACECHECK_LOC) {
    SYSKIT_RACECHECK_HOOK("std::string", "append", loc);
    Base::append(text);
    return *this;
  }
  string& operator+=(internal::Arg<std::string_view> text) {
    SYSKIT_RACECHECK_HOOK("std::string", "operator+=", text.loc);
    Base::append(text.value);
    return *this;
  }
  typename Base::size_type length(SYSKIT_RACECHECK_LOC) const {
    SYSKIT_RACECHECK_HOOK("std::string", "length", loc);
    return Base::size();
  }
  const char* c_str(SYSKIT_RACECHECK_LOC) const {
    SYSKIT_RACECHECK_HOOK("std::string", "c_str", loc);
    return Base::c_str();
  }
};

}  // namespace syskit::racecheck
