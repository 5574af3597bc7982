# local_chained: drawn by `gnuplot local_chained.gp` from local_chained.dat; edit freely and re-run.
# 6in x 4in, font 'Sans,10', PNG at 150 dpi.
set terminal pngcairo size 900,600 enhanced font 'Sans,10' fontscale 2.083 linewidth 2.083 pointscale 2.083
set output 'local_chained.png'
set border lc rgb '#444444'
set grid lc rgb '#dddddd'
set logscale y
set title "Local pruning, chained pipeline" noenhanced
set key below center horizontal maxcols 2 reverse Left nobox height 1
set xlabel "share of FFN rows pruned" noenhanced
set ylabel "perplexity" noenhanced
set format x '%.0f%%'
plot 'local_chained.dat' index 0 using ($1*100):2 title "wpr(gamma: 0.5)" noenhanced with linespoints lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'local_chained.dat' index 1 using ($1*100):2 title "mpr" noenhanced with linespoints lc rgb '#56B4E9' dt 1 pt 7 ps 0.8, \
     'local_chained.dat' index 2 using ($1*100):2 title "activation" noenhanced with linespoints lc rgb '#009E73' dt 1 pt 7 ps 0.8, \
     'local_chained.dat' index 3 using ($1*100):2 title "wanda" noenhanced with linespoints lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     'local_chained.dat' index 4 using ($1*100):2 title "norm" noenhanced with linespoints lc rgb '#CC79A7' dt 1 pt 7 ps 0.8, \
     'local_chained.dat' index 5 using ($1*100):2 title "random" noenhanced with linespoints lc rgb '#999999' dt 1 pt 7 ps 0.8, \
     10.4872595 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 432,288 enhanced font 'Sans,10' linewidth 1
set output 'local_chained.svg'
replot
unset output
